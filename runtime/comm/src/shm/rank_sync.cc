// RankSync: epoch posts and waits, liveness checks and failure records (rank_sync.h).
#include "rank_sync.h"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <sstream>
#include <thread>

#include "futex.h"
#include "zl/base/error.h"

namespace zl::comm::shm {
namespace {

constexpr int kSameProcess = -2;
constexpr int kNoPidfd = -3;
// How long a waiter spins before it sleeps (when spinning is allowed), and how often a sleeping waiter
// wakes to check that the rank it waits for is alive.
constexpr auto kSpin = std::chrono::microseconds(30);
constexpr auto kLivenessPeriod = std::chrono::milliseconds(5);

bool reached(std::uint32_t epoch, std::uint32_t target) { return static_cast<std::int32_t>(epoch - target) >= 0; }

int cpus_available() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::thread::hardware_concurrency());
}

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

RankSync::RankSync(ShmSegment& segment, int rank, int world, std::chrono::milliseconds timeout)
    : segment_(segment),
      rank_(rank),
      world_(world),
      timeout_(timeout),
      spin_(world <= cpus_available()),
      pidfds_(static_cast<std::size_t>(world), kNoPidfd) {
  const pid_t self = getpid();
  for (int q = 0; q < world; ++q) {
    const pid_t pid = segment.control(q).pid.load();
    int& fd = pidfds_[static_cast<std::size_t>(q)];
    if (pid == self) {
      fd = kSameProcess;
    } else {
      const long opened = syscall(SYS_pidfd_open, pid, 0);
      fd = opened >= 0 ? static_cast<int>(opened) : kNoPidfd;  // ESRCH: alive() finds it gone
    }
  }
}

RankSync::~RankSync() {
  for (const int fd : pidfds_) {
    if (fd >= 0) close(fd);
  }
}

void RankSync::begin(const char* collective) {
  collective_ = collective;
  deadline_ = std::chrono::steady_clock::now() + timeout_;
}

void RankSync::post() {
  RankControl& mine = segment_.control(rank_);
  mine.epoch.store(++epoch_);
  if (mine.waiters.load() > 0) futex_wake_all(mine.epoch);
}

void RankSync::wait_all() {
  for (int q = 0; q < world_; ++q) {
    if (q != rank_) wait_rank(q, epoch_);
  }
}

void RankSync::fail() {
  std::int32_t none = kNoFailure;
  if (segment_.header().failed_rank.compare_exchange_strong(none, rank_)) {
    segment_.header().failure_found_by.store(rank_);
  }
}

void RankSync::wait_rank(int q, std::uint32_t target) {
  RankControl& theirs = segment_.control(q);
  if (reached(theirs.epoch.load(std::memory_order_acquire), target)) return;
  if (spin_) {
    const auto until = std::chrono::steady_clock::now() + kSpin;
    do {
      for (int i = 0; i < 64; ++i) {
        cpu_relax();
        if (reached(theirs.epoch.load(std::memory_order_acquire), target)) return;
      }
    } while (std::chrono::steady_clock::now() < until);
  }
  for (;;) {
    if (segment_.header().failed_rank.load() != kNoFailure) throw_recorded_failure();
    theirs.waiters.fetch_add(1);
    const std::uint32_t epoch = theirs.epoch.load();
    if (!reached(epoch, target)) futex_wait(theirs.epoch, epoch, kLivenessPeriod);
    theirs.waiters.fetch_sub(1);
    if (reached(theirs.epoch.load(std::memory_order_acquire), target)) return;
    if (!alive(q)) {
      std::int32_t none = kNoFailure;
      if (segment_.header().failed_rank.compare_exchange_strong(none, q)) {
        segment_.header().failure_found_by.store(rank_);
      }
      throw_recorded_failure();
    }
    if (std::chrono::steady_clock::now() >= deadline_) {
      std::ostringstream os;
      os << "shm " << collective_ << ": rank " << rank_ << " waited " << static_cast<double>(timeout_.count()) / 1000.0
         << " s (the communicator's timeout) for " << who(q)
         << ", which is alive but has not reached this collective: do all ranks run the same collectives in the same "
            "order?";
      throw InfrastructureError(os.str());
    }
  }
}

bool RankSync::alive(int q) const {
  const int fd = pidfds_[static_cast<std::size_t>(q)];
  if (fd == kSameProcess) return true;
  if (fd >= 0) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, 0) == 0;  // a pidfd turns readable when its process exits
  }
  return !(kill(segment_.control(q).pid.load(), 0) == -1 && errno == ESRCH);
}

std::string RankSync::who(int q) const {
  return "rank " + std::to_string(q) + " (pid " + std::to_string(segment_.control(q).pid.load()) + ")";
}

void RankSync::throw_recorded_failure() const {
  const int failed = segment_.header().failed_rank.load();
  const int found_by = segment_.header().failure_found_by.load();
  std::string what =
      "shm " + std::string(collective_) + ": rank " + std::to_string(rank_) + " cannot go on: " + who(failed);
  if (found_by == failed) {
    what += " left a collective with an error (its own log says which)";
  } else {
    what += " exited in the middle of the job";
    if (found_by != rank_) what += " (found by rank " + std::to_string(found_by) + ")";
  }
  throw InfrastructureError(what);
}

}  // namespace zl::comm::shm
