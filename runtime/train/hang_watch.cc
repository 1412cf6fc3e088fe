// HangWatch (hang_watch.h).
#include "hang_watch.h"

#include <chrono>
#include <string>

#include "zl/launcher/progress_reporter.h"

namespace zl::train {

HangWatch::HangWatch(const comm::Communicator& comm) : comm_(comm), thread_([this] { run(); }) {}

HangWatch::~HangWatch() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void HangWatch::run() {
  launcher::ProgressReporter reporter;  // owned by this thread: the reporter is single-threaded
  if (!reporter.enabled()) return;
  std::int64_t reported_step = -1;
  std::string reported_collective;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const std::int64_t step = step_.load();
    const char* current = comm_.current_collective();
    const std::string collective = current == nullptr ? "" : current;
    if (step != reported_step || collective != reported_collective) {
      reporter.report(step, collective);
      reported_step = step;
      reported_collective = collective;
    }
    wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping_; });
  }
}

}  // namespace zl::train
