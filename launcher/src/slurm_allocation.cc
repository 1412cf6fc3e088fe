// slurm_allocation_from_environment() (slurm_allocation.h).
#include "zl/launcher/slurm_allocation.h"

#include <cstdlib>

namespace zl::launcher {
namespace {

// A positive count from the environment, 0 when absent or not a plain number (SLURM_NTASKS_PER_NODE
// can be "2(x3)" on uneven allocations: no single count).
int count_of(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return 0;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  return *end == '\0' && value > 0 && value <= 1 << 24 ? static_cast<int>(value) : 0;
}

}  // namespace

std::optional<SlurmAllocation> slurm_allocation_from_environment() {
  const char* job = std::getenv("SLURM_JOB_ID");
  if (job == nullptr || *job == '\0') return std::nullopt;
  SlurmAllocation allocation;
  allocation.job_id = job;
  allocation.nodes = count_of("SLURM_JOB_NUM_NODES");
  if (allocation.nodes == 0) allocation.nodes = count_of("SLURM_NNODES");
  if (allocation.nodes == 0) return std::nullopt;
  allocation.tasks = count_of("SLURM_NTASKS");
  if (allocation.tasks == 0) allocation.tasks = count_of("SLURM_NTASKS_PER_NODE") * allocation.nodes;
  return allocation;
}

}  // namespace zl::launcher
