// make_zero_storage (zero_storage.h).
#include "zl/engine/zero_storage.h"

#include "stages.h"
#include "zl/base/error.h"

namespace zl::engine {

std::unique_ptr<ZeroStorage> make_zero_storage(const Partition& partition, comm::Communicator& comm,
                                               const ZeroOptions& options, runtime::Allocator& allocator) {
  switch (options.zero.stage) {
    case 0:
      return make_stage0_storage(partition, comm, options, allocator);
    case 1:
      return make_stage1_storage(partition, comm, options, allocator);
    case 2:
      return make_stage2_storage(partition, comm, options, allocator);
    case 3:
      return make_stage3_storage(partition, comm, options, allocator);
    default:
      break;
  }
  throw ConfigError("zero_optimization.stage " + std::to_string(options.zero.stage) + ": expected 0, 1, 2 or 3");
}

}  // namespace zl::engine
