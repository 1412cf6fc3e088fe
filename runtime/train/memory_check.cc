// check_memory_fits (memory_check.h).
#include "memory_check.h"

#include <cstdint>
#include <string>

#include "zl/base/error.h"
#include "zl/base/system_info.h"
#include "zl/config/memory_estimate.h"

namespace zl::train {
namespace {

// Bytes one rank of this run needs at ZeRO stage `stage` (model states, buffers, activations).
std::int64_t bytes_per_rank(const TrainSetup& s, int context, int stage) {
  config::ResolvedConfig trained = s.config;
  trained.launch.model = s.model.label();
  trained.training.zero_optimization.stage = stage;
  config::MemoryEstimateRequest request = config::memory_estimate_request(trained);
  request.context = context;
  return config::estimate_memory(request).total_with_activations_bytes();
}

}  // namespace

void check_memory_fits(const TrainSetup& s, int context) {
  if (s.config.launch.device != config::DeviceKind::kCpu) return;
  const std::uint64_t available = query_system_info().memory_available_bytes;
  if (available == 0) return;  // no /proc/meminfo: nothing to compare with
  // Every rank of this machine needs its share at the same time.
  const int local_ranks = s.rank.identity.local_world_size > 0 ? s.rank.identity.local_world_size : 1;
  const int stage = s.config.training.zero_optimization.stage;
  const std::int64_t needed = bytes_per_rank(s, context, stage);
  const auto on_machine = [&](std::int64_t per_rank) { return static_cast<double>(per_rank) * local_ranks; };
  if (on_machine(needed) <= static_cast<double>(available)) return;
  std::string fits = "no ZeRO stage fits: use a smaller model, more machines, or fewer ranks per machine";
  for (int other = stage + 1; other <= 3; ++other) {
    const std::int64_t other_needed = bytes_per_rank(s, context, other);
    if (on_machine(other_needed) <= static_cast<double>(available)) {
      fits = "ZeRO stage " + std::to_string(other) + " would need " + config::format_bytes(other_needed) +
             " per rank and fit (--zero_stage " + std::to_string(other) + ")";
      break;
    }
  }
  throw ConfigError("model " + s.model.label() + " (" + std::to_string(s.model.parameter_count()) +
                    " parameters, from " + s.model_source + ") at ZeRO stage " + std::to_string(stage) + " needs " +
                    config::format_bytes(needed) + " per rank (zlaunch estimate-memory), " +
                    config::format_bytes(static_cast<std::int64_t>(on_machine(needed))) + " for the " +
                    std::to_string(local_ranks) + " rank(s) of this machine, but only " +
                    config::format_bytes(static_cast<std::int64_t>(available)) + " is available; " + fits);
}

}  // namespace zl::train
