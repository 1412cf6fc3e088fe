// HangWatch (hang_watch.h).
#include "hang_watch.h"

#include <string>

#include "zl/rank/progress_reporter.h"

namespace zl::train {

HangWatch::HangWatch(const comm::Communicator& comm, const rank::RankContext& context)
    : comm_(comm), context_(context), thread_([this] { run(); }) {}

HangWatch::~HangWatch() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void HangWatch::run() {
  // Owned by this thread: the reporter is single-threaded.
  rank::ProgressReporter reporter(context_, kHeartbeatPeriod);
  if (!reporter.enabled()) return;
  using Clock = std::chrono::steady_clock;
  std::int64_t reported_step = -1;
  std::string reported_collective;
  Clock::time_point reported_at;
  bool reported = false;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const std::int64_t step = step_.load();
    const char* current = comm_.current_collective();
    const std::string collective = current == nullptr ? "" : current;
    const auto now = Clock::now();
    // Half a sample of slack: a wake-up that comes a little early must not skip a beat.
    if (!reported || step != reported_step || collective != reported_collective ||
        now - reported_at >= kHeartbeatPeriod - kSamplePeriod / 2) {
      reporter.report(step, collective);
      reported_step = step;
      reported_collective = collective;
      reported_at = now;
      reported = true;
    }
    wake_.wait_for(lock, kSamplePeriod, [this] { return stopping_; });
  }
}

}  // namespace zl::train
