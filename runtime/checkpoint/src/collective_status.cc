// Agreement on success across ranks (collective_status.h).
#include "collective_status.h"

#include <algorithm>

#include "zl/base/error.h"

namespace zl::checkpoint {
namespace {

constexpr std::size_t kMessageCap = 4096;  // bytes of the failing rank's message that travel

// 64-bit values and bytes travel as fp32 "elements": all-gather and broadcast copy bits, no arithmetic.
std::size_t fp32_elements(std::size_t bytes) { return (bytes + 3) / 4; }

[[noreturn]] void throw_with_code(int code, const std::string& text) {
  switch (static_cast<ExitCode>(code)) {
    case ExitCode::kUsage:
      throw ConfigError(text);
    case ExitCode::kInfrastructure:
      throw InfrastructureError(text);
    default:
      throw Error(text);
  }
}

}  // namespace

void CollectiveStatus::fail(const std::exception& e) {
  error_code_ = std::max(1, exit_code_for(e));
  error_message_ = std::string(e.what()).substr(0, kMessageCap);
}

std::vector<std::uint64_t> CollectiveStatus::agree(const std::vector<std::uint64_t>& values) {
  const std::size_t per_rank = 1 + values.size();
  std::vector<std::uint64_t> mine{static_cast<std::uint64_t>(error_code_)};
  mine.insert(mine.end(), values.begin(), values.end());
  std::vector<std::uint64_t> all(per_rank * static_cast<std::size_t>(comm_.size()));
  comm_.all_gather(mine.data(), all.data(), 2 * per_rank, comm::DataType::kFp32);
  int failed = -1;
  for (int r = 0; r < comm_.size() && failed < 0; ++r) {
    if (all[per_rank * static_cast<std::size_t>(r)] != 0) failed = r;
  }
  if (failed >= 0) {
    // The first failing rank's message to everyone: its length, then its bytes.
    std::uint64_t length = comm_.rank() == failed ? error_message_.size() : 0;
    comm_.broadcast(&length, 2, comm::DataType::kFp32, failed);
    std::string message(fp32_elements(length) * 4, '\0');
    if (comm_.rank() == failed) std::copy(error_message_.begin(), error_message_.end(), message.begin());
    if (length > 0) comm_.broadcast(message.data(), fp32_elements(length), comm::DataType::kFp32, failed);
    message.resize(length);
    const int code = static_cast<int>(all[per_rank * static_cast<std::size_t>(failed)]);
    throw_with_code(code, what_ + ": rank " + std::to_string(failed) + ": " + message);
  }
  std::vector<std::uint64_t> out;
  for (int r = 0; r < comm_.size(); ++r) {
    const std::size_t base = per_rank * static_cast<std::size_t>(r);
    out.insert(out.end(), all.begin() + static_cast<std::ptrdiff_t>(base + 1),
               all.begin() + static_cast<std::ptrdiff_t>(base + per_rank));
  }
  return out;
}

}  // namespace zl::checkpoint
