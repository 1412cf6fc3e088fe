// Communicator: what the runtime talks to. It owns one Backend and one communication thread, and is
// the single instrumentation layer: every collective is counted here (calls, payload bytes as
// nccl-tests sizes them, seconds spent executing), never inside a backend.
//
// Threading: all collectives run on the communication thread in submission order, so asynchronous
// work (the *_async calls, returning a Work) overlaps with the caller's compute while keeping the
// cross-rank order identical. Synchronous calls queue behind pending async work and wait. The caller
// must keep buffers alive and untouched until the Work completes. Thread-safe to submit from one
// thread; stats() may be read from any thread.
//
// GPU buffers (NCCL): a collective is ordered after the work the submitting thread had queued on its
// current CUDA stream when it submitted (Backend::submission_fence), so the compute stream keeps
// running while the communication stream waits for exactly the kernels that produced the buffer; the
// Work completes when the collective has finished on the device.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "zl/comm/backend.h"
#include "zl/comm/types.h"

namespace zl::comm {

struct CollectiveStats {
  std::uint64_t calls = 0;
  std::uint64_t payload_bytes = 0;  // sum of payload_bytes() over calls
  double seconds = 0.0;             // time executing: the device's clock where the backend has one
                                    // (NCCL: CUDA events), else wall time on the communication thread
};

struct CommStats {
  std::array<CollectiveStats, kCollectiveCount> by_collective{};
  double exposed_seconds = 0.0;  // time callers spent blocked waiting for collectives
  [[nodiscard]] const CollectiveStats& of(Collective c) const { return by_collective[static_cast<int>(c)]; }
};

// Handle to an asynchronous collective. wait() blocks until it finished (the blocked time counts as
// exposed communication) and rethrows its error, if any. Default-constructed Work is already done.
class Work {
 public:
  Work() = default;
  void wait();
  [[nodiscard]] bool done() const;

 private:
  friend class Communicator;
  Work(std::shared_future<void> future, std::atomic<std::uint64_t>* exposed_ns)
      : future_(std::move(future)), exposed_ns_(exposed_ns) {}
  std::shared_future<void> future_;
  std::atomic<std::uint64_t>* exposed_ns_ = nullptr;
};

class Communicator {
 public:
  explicit Communicator(std::unique_ptr<Backend> backend);
  ~Communicator();  // drains queued work, then joins the thread, then destroys the backend
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  [[nodiscard]] const char* backend_name() const { return backend_->name(); }

  void all_reduce(void* data, std::size_t count, DataType type, ReduceOp op);
  void reduce_scatter(const void* in, void* out, std::size_t count, DataType type, ReduceOp op);
  void all_gather(const void* in, void* out, std::size_t count, DataType type);
  void broadcast(void* data, std::size_t count, DataType type, int root);
  void barrier();

  Work all_reduce_async(void* data, std::size_t count, DataType type, ReduceOp op);
  Work reduce_scatter_async(const void* in, void* out, std::size_t count, DataType type, ReduceOp op);
  Work all_gather_async(const void* in, void* out, std::size_t count, DataType type);
  Work broadcast_async(void* data, std::size_t count, DataType type, int root);

  [[nodiscard]] CommStats stats() const;
  // The collective executing right now, or nullptr: what a hang report names.
  [[nodiscard]] const char* current_collective() const { return current_.load(); }

 private:
  Work submit(Collective collective, std::size_t payload, std::function<void(Backend&)> op);
  void run_thread();

  std::unique_ptr<Backend> backend_;
  int rank_;
  int size_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::packaged_task<void()>> queue_;
  bool stopping_ = false;
  CommStats stats_;  // guarded by mutex_ (except exposed time, below)
  std::atomic<std::uint64_t> exposed_ns_{0};
  std::atomic<const char*> current_{nullptr};
  std::thread thread_;  // last: started after everything above exists
};

}  // namespace zl::comm
