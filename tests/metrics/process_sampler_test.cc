// sample_process() against processes whose answers are known: this test process gaining threads it
// starts, and a forked child that touches a known amount of memory, starts a known number of threads
// and burns CPU; a process that exited (zombie, then reaped) and a pid that never existed give nullopt.
#include "zl/metrics/process_sampler.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace zl::metrics {
namespace {

constexpr std::size_t kMiB = std::size_t{1024} * 1024;

TEST(ProcessSampler, SamplesThisProcessAndCountsTheThreadsItStarts) {
  const auto before = sample_process(::getpid());
  ASSERT_TRUE(before.has_value());
  EXPECT_GT(before->resident_bytes, 0u);
  EXPECT_GE(before->threads, 1);
  EXPECT_GE(before->cpu_seconds, 0.0);

  // Threads that exist until released: /proc lists a thread as soon as std::thread's constructor
  // returns, so the count is exact while they wait.
  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  std::vector<std::thread> threads;
  threads.reserve(3);
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      std::unique_lock<std::mutex> lock(mutex);
      released.wait(lock, [&] { return release; });
    });
  }
  const auto during = sample_process(::getpid());
  {
    std::lock_guard<std::mutex> lock(mutex);
    release = true;
  }
  released.notify_all();
  for (auto& t : threads) t.join();
  ASSERT_TRUE(during.has_value());
  EXPECT_EQ(during->threads, before->threads + 3);
  EXPECT_GE(during->cpu_seconds, before->cpu_seconds);
}

// A child that reports on `ready` (one byte per stage) and waits for a byte on `go` between stages.
// Stage 1: nothing allocated yet. Stage 2: kMemory bytes touched, kThreads more threads waiting
// forever, and at least 0.2 s of CPU burnt (measured by the child's own CPU clock, so it holds on
// a loaded machine too). The parent kills it.
constexpr std::size_t kMemory = 64 * kMiB;
constexpr int kThreads = 3;

[[noreturn]] void child_main(int ready, int go) {
  char byte = 1;
  if (::write(ready, &byte, 1) != 1 || ::read(go, &byte, 1) != 1) ::_exit(1);
  auto* memory = static_cast<volatile char*>(std::malloc(kMemory));
  if (memory == nullptr) ::_exit(1);
  for (std::size_t at = 0; at < kMemory; at += 4096) memory[at] = 1;  // one write per page
  for (int i = 0; i < kThreads; ++i) {
    std::thread([] {
      while (true) ::pause();
    }).detach();
  }
  timespec cpu{};
  volatile unsigned long spin = 0;
  do {
    for (int i = 0; i < 100000; ++i) spin = spin + 1;
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  } while (cpu.tv_sec == 0 && cpu.tv_nsec < 200'000'000);
  if (::write(ready, &byte, 1) != 1) ::_exit(1);
  while (true) ::pause();
}

TEST(ProcessSampler, SeesAChildsTouchedMemoryThreadsAndCpuAndNothingOnceItExited) {
  int ready[2];
  int go[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(go), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) child_main(ready[1], go[0]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  const auto before = sample_process(child);
  ASSERT_EQ(::write(go[1], &byte, 1), 1);
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  const auto after = sample_process(child);

  ::kill(child, SIGKILL);
  // Until it is reaped the child is a zombie: gone as a process, its pid still taken.
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT), 0);
  EXPECT_FALSE(sample_process(child).has_value()) << "a zombie is no live process";
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_FALSE(sample_process(child).has_value()) << "a reaped child's pid names no process";
  for (const int fd : {ready[0], ready[1], go[0], go[1]}) ::close(fd);

  ASSERT_TRUE(before.has_value());
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(before->threads, 1);
  EXPECT_EQ(after->threads, kThreads + 1);
  // Every page was written, so all of it is resident; the tolerance covers the kernel's per-thread
  // RSS counters, which it folds into the process's total in batches.
  EXPECT_GE(after->resident_bytes, before->resident_bytes + kMemory - 2 * kMiB)
      << "before " << before->resident_bytes << " after " << after->resident_bytes;
  EXPECT_GE(after->cpu_seconds, before->cpu_seconds);
  EXPECT_GT(after->cpu_seconds, 0.0);
}

TEST(ProcessSampler, APidThatNamesNoProcessGivesNothing) {
  EXPECT_FALSE(sample_process(0).has_value());
  EXPECT_FALSE(sample_process(-1).has_value());
  // pid_max is at most 2^22 (4194304) on Linux, so this pid cannot exist.
  EXPECT_FALSE(sample_process(4194304 + 1).has_value());
}

}  // namespace
}  // namespace zl::metrics
