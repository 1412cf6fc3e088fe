// The Communicator's contract with backends that order collectives after device work (NCCL,
// zl/comm/backend.h): the fence is captured on the submitting thread at the moment of submission (not
// when the communication thread gets to it), wait_for receives that same fence on the communication
// thread before the collective runs, and a backend's device clock, when it has one, is what the stats
// count. The backend here is a recording implementation of the Backend interface for one rank; the
// host backends (gloo, mpi) are exercised by their own tests.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "zl/comm/communicator.h"

namespace zl::comm {
namespace {

struct Fence {
  int sequence;  // the order of submission
  std::thread::id submitting_thread;
};

class RecordingBackend final : public Backend {
 public:
  // Collectives block until `release` is set, so the test can submit several while the first runs.
  explicit RecordingBackend(std::shared_future<void> release) : release_(std::move(release)) {}

  [[nodiscard]] int rank() const override { return 0; }
  [[nodiscard]] int size() const override { return 1; }
  [[nodiscard]] const char* name() const override { return "recording"; }

  std::shared_ptr<void> submission_fence() override {
    const std::lock_guard lock(mutex_);
    return std::make_shared<Fence>(Fence{submitted_++, std::this_thread::get_id()});
  }
  void wait_for(const std::shared_ptr<void>& fence) override {
    const std::lock_guard lock(mutex_);
    events_.push_back("wait " + std::to_string(static_cast<Fence*>(fence.get())->sequence));
    fences_.push_back(*static_cast<Fence*>(fence.get()));
    waiting_thread_ = std::this_thread::get_id();
  }
  [[nodiscard]] double last_device_seconds() const override { return 0.25; }

  void all_reduce(void*, std::size_t, DataType, ReduceOp) override { run("all_reduce"); }
  void reduce_scatter(const void*, void*, std::size_t, DataType, ReduceOp) override { run("reduce_scatter"); }
  void all_gather(const void*, void*, std::size_t, DataType) override { run("all_gather"); }
  void broadcast(void*, std::size_t, DataType, int) override { run("broadcast"); }
  void barrier() override { run("barrier"); }

  std::vector<std::string> events() const {
    const std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<Fence> fences() const {
    const std::lock_guard lock(mutex_);
    return fences_;
  }
  int submitted() const {
    const std::lock_guard lock(mutex_);
    return submitted_;
  }
  std::thread::id waiting_thread() const {
    const std::lock_guard lock(mutex_);
    return waiting_thread_;
  }

 private:
  void run(const std::string& what) {
    release_.wait();
    const std::lock_guard lock(mutex_);
    events_.push_back(what);
  }

  std::shared_future<void> release_;
  mutable std::mutex mutex_;
  int submitted_ = 0;
  std::vector<std::string> events_;
  std::vector<Fence> fences_;
  std::thread::id waiting_thread_;
};

TEST(CommunicatorOrdering, FencesAreTakenAtSubmissionAndAwaitedBeforeEachCollective) {
  std::promise<void> release;
  auto backend = std::make_unique<RecordingBackend>(release.get_future().share());
  RecordingBackend& recording = *backend;
  Communicator comm(std::move(backend));
  float data[4] = {};
  // Three collectives queued while the first is held: every fence exists before any collective ran.
  Work first = comm.all_reduce_async(data, 4, DataType::kFp32, ReduceOp::kSum);
  Work second = comm.all_gather_async(data, data, 4, DataType::kFp32);
  Work third = comm.reduce_scatter_async(data, data, 4, DataType::kFp32, ReduceOp::kSum);
  EXPECT_EQ(recording.submitted(), 3) << "fences are captured when submitting, on the submitting thread";
  release.set_value();
  first.wait();
  second.wait();
  third.wait();
  comm.barrier();
  const std::vector<std::string> expected = {"wait 0", "all_reduce",     "wait 1", "all_gather",
                                             "wait 2", "reduce_scatter", "wait 3", "barrier"};
  EXPECT_EQ(recording.events(), expected);
  for (const Fence& fence : recording.fences()) EXPECT_EQ(fence.submitting_thread, std::this_thread::get_id());
  EXPECT_NE(recording.waiting_thread(), std::this_thread::get_id()) << "wait_for runs on the communication thread";
}

TEST(CommunicatorOrdering, TheBackendsDeviceClockIsWhatTheStatsCount) {
  std::promise<void> release;
  release.set_value();
  Communicator comm(std::make_unique<RecordingBackend>(release.get_future().share()));
  float data[2] = {};
  comm.all_reduce(data, 2, DataType::kFp32, ReduceOp::kSum);
  comm.all_reduce(data, 2, DataType::kFp32, ReduceOp::kSum);
  const CollectiveStats s = comm.stats().of(Collective::kAllReduce);
  EXPECT_EQ(s.calls, 2u);
  EXPECT_DOUBLE_EQ(s.seconds, 0.5) << "two collectives of 0.25 s on the device clock";
}

}  // namespace
}  // namespace zl::comm
