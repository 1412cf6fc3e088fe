// Agreement on success across ranks (collective_status.h).
#include "collective_status.h"

#include "zl/base/error.h"

namespace zl::checkpoint {

std::vector<std::uint64_t> CollectiveStatus::agree(const std::vector<std::uint64_t>& values) {
  const std::size_t per_rank = 1 + values.size();
  std::vector<std::uint64_t> mine{error_ ? 1u : 0u};
  mine.insert(mine.end(), values.begin(), values.end());
  std::vector<std::uint64_t> all(per_rank * static_cast<std::size_t>(comm_.size()));
  // 64-bit values travel as pairs of fp32 "elements": all-gather copies bits and does no arithmetic.
  comm_.all_gather(mine.data(), all.data(), 2 * per_rank, comm::DataType::kFp32);
  if (error_) std::rethrow_exception(error_);
  std::vector<std::uint64_t> out;
  for (int r = 0; r < comm_.size(); ++r) {
    const std::size_t base = per_rank * static_cast<std::size_t>(r);
    if (all[base] != 0) throw Error(what_ + ": rank " + std::to_string(r) + " failed (its error says why)");
    out.insert(out.end(), all.begin() + static_cast<std::ptrdiff_t>(base + 1),
               all.begin() + static_cast<std::ptrdiff_t>(base + per_rank));
  }
  return out;
}

}  // namespace zl::checkpoint
