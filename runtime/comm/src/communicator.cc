// Communicator: queue + communication thread + instrumentation around a Backend (communicator.h).
#include "zl/comm/communicator.h"

#include <chrono>

namespace zl::comm {
namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

void Work::wait() {
  if (!future_.valid()) return;
  if (future_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    const auto start = Clock::now();
    future_.wait();
    if (exposed_ns_ != nullptr) {
      exposed_ns_->fetch_add(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count()));
    }
  }
  future_.get();  // rethrows the collective's exception
}

bool Work::done() const {
  return !future_.valid() || future_.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

Communicator::Communicator(std::unique_ptr<Backend> backend)
    : backend_(std::move(backend)),
      rank_(backend_->rank()),
      size_(backend_->size()),
      thread_([this] { run_thread(); }) {}

Communicator::~Communicator() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Communicator::run_thread() {
  for (;;) {
    std::packaged_task<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

Work Communicator::submit(Collective collective, std::size_t payload, std::function<void(Backend&)> op) {
  std::shared_ptr<void> fence = backend_->submission_fence();  // on the submitting thread, now
  std::packaged_task<void()> task([this, collective, payload, fence = std::move(fence), op = std::move(op)] {
    current_.store(to_string(collective));
    const auto start = Clock::now();
    try {
      backend_->wait_for(fence);
      op(*backend_);
    } catch (...) {
      current_.store(nullptr);
      throw;
    }
    const double device_seconds = backend_->last_device_seconds();
    const double seconds =
        device_seconds >= 0 ? device_seconds : std::chrono::duration<double>(Clock::now() - start).count();
    current_.store(nullptr);
    std::lock_guard lock(mutex_);
    auto& s = stats_.by_collective[static_cast<int>(collective)];
    s.calls += 1;
    s.payload_bytes += payload;
    s.seconds += seconds;
  });
  Work work(task.get_future().share(), &exposed_ns_);
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
  return work;
}

Work Communicator::all_reduce_async(void* data, std::size_t count, DataType type, ReduceOp op) {
  return submit(Collective::kAllReduce, payload_bytes(Collective::kAllReduce, count, type, size_),
                [=](Backend& b) { b.all_reduce(data, count, type, op); });
}

Work Communicator::reduce_scatter_async(const void* in, void* out, std::size_t count, DataType type, ReduceOp op) {
  return submit(Collective::kReduceScatter, payload_bytes(Collective::kReduceScatter, count, type, size_),
                [=](Backend& b) { b.reduce_scatter(in, out, count, type, op); });
}

Work Communicator::all_gather_async(const void* in, void* out, std::size_t count, DataType type) {
  return submit(Collective::kAllGather, payload_bytes(Collective::kAllGather, count, type, size_),
                [=](Backend& b) { b.all_gather(in, out, count, type); });
}

Work Communicator::broadcast_async(void* data, std::size_t count, DataType type, int root) {
  return submit(Collective::kBroadcast, payload_bytes(Collective::kBroadcast, count, type, size_),
                [=](Backend& b) { b.broadcast(data, count, type, root); });
}

void Communicator::all_reduce(void* data, std::size_t count, DataType type, ReduceOp op) {
  all_reduce_async(data, count, type, op).wait();
}

void Communicator::reduce_scatter(const void* in, void* out, std::size_t count, DataType type, ReduceOp op) {
  reduce_scatter_async(in, out, count, type, op).wait();
}

void Communicator::all_gather(const void* in, void* out, std::size_t count, DataType type) {
  all_gather_async(in, out, count, type).wait();
}

void Communicator::broadcast(void* data, std::size_t count, DataType type, int root) {
  broadcast_async(data, count, type, root).wait();
}

void Communicator::barrier() {
  submit(Collective::kBarrier, 0, [](Backend& b) { b.barrier(); }).wait();
}

CommStats Communicator::stats() const {
  std::lock_guard lock(mutex_);
  CommStats copy = stats_;
  copy.exposed_seconds = static_cast<double>(exposed_ns_.load()) * 1e-9;
  return copy;
}

}  // namespace zl::comm
