// check_memory_fits (memory_check.h).
#include "memory_check.h"

#include <cstdint>
#include <string>

#include "zl/base/cgroup_memory.h"
#include "zl/base/error.h"
#include "zl/base/system_info.h"
#include "zl/config/memory_estimate.h"
#include "zl/device/accelerator_info.h"

namespace zl::train {
namespace {

// What one rank of this run needs at ZeRO stage `stage` (model states, buffers, activations).
config::MemoryEstimate estimate_at(const TrainSetup& s, int context, int stage) {
  config::ResolvedConfig trained = s.config;
  trained.launch.model = s.model.label();
  trained.training.zero_optimization.stage = stage;
  config::MemoryEstimateRequest request = config::memory_estimate_request(trained);
  request.context = context;
  return config::estimate_memory(request);
}

// Where the bytes must fit: the host (every rank of this machine at once) or this rank's own GPU.
struct MemoryPool {
  std::string name;     // "this machine's memory", "GPU 0's memory"
  std::uint64_t bytes;  // what is left there
  std::string what;     // how that was measured
  int sharers = 1;      // ranks that allocate in it at the same time
  bool device = false;  // the GPU: everything but the offloaded states goes there
};

std::int64_t needed_in(const MemoryPool& pool, const config::MemoryEstimate& e, bool cuda) {
  if (!cuda) return e.total_with_activations_bytes();
  return pool.device ? e.total_with_activations_bytes() : e.offloaded_bytes;
}

// The host's memory this process may use: MemAvailable, or less under a memory cgroup's limit.
MemoryPool host_pool(int local_ranks) {
  MemoryPool pool{"this machine's memory", query_system_info().memory_available_bytes,
                  "available (/proc/meminfo MemAvailable)", local_ranks, false};
  if (const auto headroom = this_process_cgroup_memory_headroom_bytes();
      headroom && (pool.bytes == 0 || *headroom < pool.bytes)) {
    pool.bytes = *headroom;
    pool.what = "left under this process's memory cgroup limit (a container's or a job's)";
  }
  return pool;
}

void check_pool(const TrainSetup& s, int context, const MemoryPool& pool, bool cuda) {
  if (pool.bytes == 0) return;  // nothing to compare with
  const int stage = s.config.training.zero_optimization.stage;
  const auto total = [&](std::int64_t per_rank) { return static_cast<double>(per_rank) * pool.sharers; };
  const std::int64_t needed = needed_in(pool, estimate_at(s, context, stage), cuda);
  if (total(needed) <= static_cast<double>(pool.bytes)) return;
  std::string fits = "no ZeRO stage fits: use a smaller model, more machines, or fewer ranks per machine";
  for (int other = stage + 1; other <= 3; ++other) {
    const std::int64_t other_needed = needed_in(pool, estimate_at(s, context, other), cuda);
    if (total(other_needed) <= static_cast<double>(pool.bytes)) {
      fits = "ZeRO stage " + std::to_string(other) + " would need " + config::format_bytes(other_needed) +
             " per rank and fit (--zero_stage " + std::to_string(other) + ")";
      break;
    }
  }
  const std::string share = pool.sharers > 1
                                ? ", " + config::format_bytes(static_cast<std::int64_t>(total(needed))) + " for the " +
                                      std::to_string(pool.sharers) + " rank(s) of this machine"
                                : "";
  throw ConfigError("model " + s.model.label() + " (" + std::to_string(s.model.parameter_count()) +
                    " parameters, from " + s.model_source + ") at ZeRO stage " + std::to_string(stage) + " needs " +
                    config::format_bytes(needed) + " per rank in " + pool.name + " (zlaunch estimate-memory)" + share +
                    ", but only " + config::format_bytes(static_cast<std::int64_t>(pool.bytes)) + " is " + pool.what +
                    "; " + fits);
}

}  // namespace

void check_memory_fits(const TrainSetup& s, int context) {
  // Every rank of this machine needs its share of the host at the same time.
  const int local_ranks = s.rank.identity.local_world_size > 0 ? s.rank.identity.local_world_size : 1;
  const bool cuda = s.config.launch.device == config::DeviceKind::kCuda;
  if (cuda) {
    if (const auto gpu = device::current_device_memory()) {
      check_pool(s, context,
                 MemoryPool{"GPU " + std::to_string(s.rank.local_device) + "'s memory", gpu->free_bytes,
                            "free on it (cudaMemGetInfo, of " +
                                config::format_bytes(static_cast<std::int64_t>(gpu->total_bytes)) + ")",
                            1, true},
                 cuda);
    }
  }
  check_pool(s, context, host_pool(local_ranks), cuda);
}

}  // namespace zl::train
