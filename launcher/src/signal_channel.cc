// SignalChannel (signal_channel.h).
#include "zl/launcher/signal_channel.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "zl/base/error.h"

namespace zl::launcher {

SignalChannel::SignalChannel() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set, sig);
  if (::pthread_sigmask(SIG_BLOCK, &set, &previous_) != 0) throw SystemError("pthread_sigmask", errno);
  fd_ = store::net::Fd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd_.valid()) throw SystemError("signalfd", errno);
  // A console that went away (`zlaunch run ... | head`) must not kill the launcher and, through the
  // parent-death signal, the job: writes to it fail with EPIPE instead.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous_pipe_);
}

SignalChannel::~SignalChannel() {
  ::sigaction(SIGPIPE, &previous_pipe_, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

namespace {
sigset_t interrupt_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
  return set;
}
}  // namespace

SignalChannel::InterruptibleScope::InterruptibleScope() {
  const sigset_t set = interrupt_signals();
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

SignalChannel::InterruptibleScope::~InterruptibleScope() {
  const sigset_t set = interrupt_signals();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::vector<int> SignalChannel::drain() {
  std::vector<int> signals;
  signalfd_siginfo info{};
  while (::read(fd_.get(), &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
    signals.push_back(static_cast<int>(info.ssi_signo));
  }
  return signals;
}

}  // namespace zl::launcher
