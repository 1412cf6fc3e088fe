// make_zero_storage and ZeroOptions::from (zero_storage.h).
#include "zl/engine/zero_storage.h"

#include "stages.h"
#include "zl/base/error.h"

namespace zl::engine {

ZeroOptions ZeroOptions::from(const config::ZeroSettings& s) {
  ZeroOptions o;
  o.stage = s.stage;
  o.overlap_comm = s.overlap_comm;
  o.reduce_bucket_size = s.reduce_bucket_size;
  o.stage3_prefetch_bucket_size = s.stage3_prefetch_bucket_size;
  o.stage3_param_persistence_threshold = s.stage3_param_persistence_threshold;
  o.stage3_max_live_parameters = s.stage3_max_live_parameters;
  o.stage3_max_reuse_distance = s.stage3_max_reuse_distance;
  return o;
}

std::unique_ptr<ZeroStorage> make_zero_storage(const Partition& partition, comm::Communicator& comm,
                                               const ZeroOptions& options, runtime::Allocator& allocator) {
  switch (options.stage) {
    case 0: return make_stage0_storage(partition, comm, options, allocator);
    case 1: return make_stage1_storage(partition, comm, options, allocator);
    case 2: return make_stage2_storage(partition, comm, options, allocator);
    case 3: return make_stage3_storage(partition, comm, options, allocator);
    default: break;
  }
  throw ConfigError("zero_optimization.stage " + std::to_string(options.stage) + ": expected 0, 1, 2 or 3");
}

}  // namespace zl::engine
