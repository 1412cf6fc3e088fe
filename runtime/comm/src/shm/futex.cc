// futex_wait / futex_wake_all over the futex system call (futex.h).
#include "futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>

#include "zl/base/error.h"

namespace zl::comm::shm {
namespace {

long futex(std::atomic<std::uint32_t>& word, int op, std::uint32_t value, const timespec* timeout) {
  // std::atomic<uint32_t> is a lock-free uint32_t in memory (segment_layout.h asserts it).
  return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), op, value, timeout, nullptr, 0);
}

}  // namespace

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, std::chrono::microseconds timeout) {
  const auto us = timeout.count();
  const timespec ts{static_cast<time_t>(us / 1'000'000), static_cast<long>(us % 1'000'000) * 1000};
  if (futex(word, FUTEX_WAIT, expected, &ts) == -1 && errno != EAGAIN && errno != ETIMEDOUT && errno != EINTR) {
    throw SystemError("shm: futex wait", errno);
  }
}

void futex_wake_all(std::atomic<std::uint32_t>& word) {
  if (futex(word, FUTEX_WAKE, INT_MAX, nullptr) == -1) throw SystemError("shm: futex wake", errno);
}

}  // namespace zl::comm::shm
