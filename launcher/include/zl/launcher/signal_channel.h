// The launcher's signals, as a file descriptor: SIGINT, SIGTERM, SIGHUP and SIGCHLD are blocked in
// every thread and read from a signalfd in the supervision loop (no handlers, no races with
// waitpid); SIGPIPE is ignored. Construct it first thing in `zlaunch run`, before any thread starts
// (threads inherit the mask); children unblock everything and restore SIGPIPE before exec
// (rank_process.cc).
#pragma once

#include <signal.h>

#include <vector>

#include "zl/store/socket_io.h"

namespace zl::launcher {

class SignalChannel {
 public:
  SignalChannel();
  ~SignalChannel();  // restores the previous mask
  SignalChannel(const SignalChannel&) = delete;
  SignalChannel& operator=(const SignalChannel&) = delete;

  [[nodiscard]] int fd() const { return fd_.get(); }

  // While no rank runs (rendezvous waits), SIGINT/SIGTERM/SIGHUP get their default action again, so
  // Ctrl-C ends a launcher stuck waiting for other machines at once. Only the constructing thread's
  // mask changes; the store's thread keeps them blocked. Never start a thread inside the scope: it
  // would inherit the unblocked mask and take the signal's default action for the whole process.
  class InterruptibleScope {
   public:
    InterruptibleScope();
    ~InterruptibleScope();
    InterruptibleScope(const InterruptibleScope&) = delete;
    InterruptibleScope& operator=(const InterruptibleScope&) = delete;
  };
  // Signals received since the last call, in order (SIGCHLD included).
  std::vector<int> drain();

 private:
  store::net::Fd fd_;
  sigset_t previous_{};
  struct sigaction previous_pipe_ {};
};

}  // namespace zl::launcher
