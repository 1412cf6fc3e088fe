// WallClockBreakdown: DeepSpeed's wall_clock_breakdown. With the key true, rank 0 prints every
// steps_per_print optimizer steps the mean time per step of the phases of the last interval:
//   forward (all micro-steps), backward (all micro-steps, with the gradient reductions they wait for),
//   step (the boundary reduction, clipping, the optimizer and the parameter gathering), and the
// communication the Communicator counted in the same steps (busy time on its clock, and the part the
// training thread was blocked on, "exposed"). Times are taken on the host at the phase boundaries;
// on the GPU the forward ends with the loss copy (synchronized), and backward kernels still queued at
// its end are counted in "step", whose gradient norm waits for them. Training thread only.
#pragma once

#include <chrono>
#include <cstdint>

#include "zl/comm/communicator.h"

namespace zl::engine {

class WallClockBreakdown {
 public:
  using Clock = std::chrono::steady_clock;
  enum Phase { kForward, kBackward, kStep, kPhaseCount };

  // Inactive (every call a no-op) unless `enabled`; prints on rank 0 only.
  WallClockBreakdown(bool enabled, int steps_per_print, const comm::Communicator& comm);

  void begin_step();
  // The time since the previous mark (or begin_step) is added to `phase`.
  void mark(Phase phase);
  // Ends optimizer step `step` (0-based); prints when step + 1 is a multiple of steps_per_print.
  void end_step(std::int64_t step);

 private:
  [[nodiscard]] double communication_seconds() const;

  bool enabled_;
  int every_;
  const comm::Communicator& comm_;
  Clock::time_point last_;
  double seconds_[kPhaseCount] = {};
  int steps_ = 0;
  double comm_busy_at_start_ = 0.0;
  double comm_exposed_at_start_ = 0.0;
};

}  // namespace zl::engine
