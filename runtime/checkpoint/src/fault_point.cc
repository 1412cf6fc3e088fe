// Test-only SIGKILL fault points of checkpoint saves (zl/checkpoint/fault_point.h).
#include "zl/checkpoint/fault_point.h"

#include <csignal>
#include <cstdlib>
#include <string>

namespace zl::checkpoint {

void fault_point(const char* point, int rank, std::int64_t step) {
  const char* wanted = std::getenv("ZL_CHECKPOINT_FAULT");
  if (wanted == nullptr || std::string(wanted) != point) return;
  const char* attempt = std::getenv("ZLAUNCH_ATTEMPT");
  if (attempt != nullptr && std::string(attempt) != "0" && std::string(attempt) != "") return;
  const char* fault_rank = std::getenv("ZL_CHECKPOINT_FAULT_RANK");
  if (rank != (fault_rank != nullptr ? std::atoi(fault_rank) : 1)) return;
  const char* fault_step = std::getenv("ZL_CHECKPOINT_FAULT_STEP");
  if (fault_step != nullptr && std::atoll(fault_step) != step) return;
  std::raise(SIGKILL);
}

}  // namespace zl::checkpoint
