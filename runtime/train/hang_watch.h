// What the launcher's hang detection sees of a training rank (DESIGN.md §3): the step it is on and the
// collective its communication thread is executing. A watcher thread samples both every 100 ms and
// reports them to the launcher's store only when they change, so a rank stuck in a collective (or
// stopped) stops changing its report, and after --hang_timeout the launcher names the rank, its last
// step and the collective it is waiting in. Not under zlaunch, it does nothing.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "zl/comm/communicator.h"

namespace zl::train {

class HangWatch {
 public:
  explicit HangWatch(const comm::Communicator& comm);
  ~HangWatch();  // stops and joins the watcher (within one sampling period)
  HangWatch(const HangWatch&) = delete;
  HangWatch& operator=(const HangWatch&) = delete;

  // The training thread, at the start of each optimizer step (1-based).
  void set_step(std::int64_t step) { step_.store(step); }

 private:
  void run();

  const comm::Communicator& comm_;
  std::atomic<std::int64_t> step_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;     // last: started after everything above exists
};

}  // namespace zl::train
