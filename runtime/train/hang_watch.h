// What the launcher's hang detection sees of a training rank (DESIGN.md §3): the step it is on, the
// collective its communication thread is executing, and a heartbeat proving the process still runs.
// A watcher thread samples step and collective every 100 ms and reports them to the launcher's store
// (zl/rank/progress_reporter.h) when they change, and at least every kHeartbeatPeriod when they do
// not. A rank blocked in a collective keeps its step and collective but keeps beating; a stopped or
// frozen process stops beating. After --hang_timeout the launcher uses the difference to name the
// rank everyone waits for (zl/launcher/hang_culprit.h), with its last step and collective.
//
// Cost: one small store SET (about 100 bytes, tens of microseconds on loopback) per sampling period
// while the step or collective changes, one per kHeartbeatPeriod (5 a second) while they do not; a
// store serving 64 ranks sees at most 640 SETs a second. Not under zlaunch, it does nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "zl/comm/communicator.h"
#include "zl/rank/rank_context.h"

namespace zl::train {

class HangWatch {
 public:
  static constexpr std::chrono::milliseconds kSamplePeriod{100};
  static constexpr std::chrono::milliseconds kHeartbeatPeriod{200};

  HangWatch(const comm::Communicator& comm, const rank::RankContext& context);
  ~HangWatch();  // stops and joins the watcher (within one sampling period)
  HangWatch(const HangWatch&) = delete;
  HangWatch& operator=(const HangWatch&) = delete;

  // The training thread, at the start of each optimizer step (1-based).
  void set_step(std::int64_t step) { step_.store(step); }

 private:
  void run();

  const comm::Communicator& comm_;
  const rank::RankContext context_;
  std::atomic<std::int64_t> step_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;     // last: started after everything above exists
};

}  // namespace zl::train
