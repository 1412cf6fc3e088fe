// DeepSpeed's wall_clock_breakdown for the engine's step (wall_clock_breakdown.h).
#include "wall_clock_breakdown.h"

#include <algorithm>
#include <cstdio>

namespace zl::engine {

WallClockBreakdown::WallClockBreakdown(bool enabled, int steps_per_print, const comm::Communicator& comm)
    : enabled_(enabled), every_(std::max(1, steps_per_print)), comm_(comm) {}

double WallClockBreakdown::communication_seconds() const {
  double busy = 0.0;
  for (const comm::CollectiveStats& c : comm_.stats().by_collective) busy += c.seconds;
  return busy;
}

void WallClockBreakdown::begin_step() {
  if (!enabled_) return;
  if (steps_ == 0) {
    comm_busy_at_start_ = communication_seconds();
    comm_exposed_at_start_ = comm_.stats().exposed_seconds;
  }
  last_ = Clock::now();
}

void WallClockBreakdown::mark(Phase phase) {
  if (!enabled_) return;
  const Clock::time_point now = Clock::now();
  seconds_[phase] += std::chrono::duration<double>(now - last_).count();
  last_ = now;
}

void WallClockBreakdown::end_step(std::int64_t step) {
  if (!enabled_) return;
  ++steps_;
  if ((step + 1) % every_ != 0) return;
  if (comm_.rank() == 0) {
    const double per_step_ms = 1000.0 / steps_;
    std::fprintf(stderr,
                 "[zl engine] step %lld time (ms, mean of %d steps) | forward: %.2f | backward: %.2f | step: %.2f | "
                 "communication: %.2f (exposed %.2f)\n",
                 static_cast<long long>(step + 1), steps_, seconds_[kForward] * per_step_ms,
                 seconds_[kBackward] * per_step_ms, seconds_[kStep] * per_step_ms,
                 (communication_seconds() - comm_busy_at_start_) * per_step_ms,
                 (comm_.stats().exposed_seconds - comm_exposed_at_start_) * per_step_ms);
  }
  std::fill(std::begin(seconds_), std::end(seconds_), 0.0);
  steps_ = 0;
}

}  // namespace zl::engine
