// Stage 0 (plain data parallel): full parameters, gradients and optimizer state on every rank; the
// gradients are summed across ranks by all-reduce in buckets of ~reduce_bucket_size elements, each
// launched as soon as the last backward of the accumulation has completed every layer in it.
#include <algorithm>

#include "stages.h"
#include "zl/base/check.h"

namespace zl::engine {
namespace {

using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

class Stage0Storage final : public ZeroStorage {
 public:
  Stage0Storage(const Partition& partition, comm::Communicator& comm, const ZeroOptions& options,
                runtime::Allocator& allocator)
      : comm_(comm), overlap_(options.overlap_comm) {
    // All gradients live in one buffer, layers in order, so a bucket of adjacent layers is one
    // contiguous all-reduce.
    grad_buffer_ = Tensor::zeros({partition.total()}, DType::kF32, MemoryKind::kGrads, runtime::Device::kCpu, allocator);
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < partition.layer_count(); ++i) {
      const std::int64_t size = partition.layer(i).size;
      params_.push_back(Tensor::zeros({size}, DType::kF32, MemoryKind::kParams, runtime::Device::kCpu, allocator));
      grads_.push_back(grad_buffer_.view(offset, {size}));
      offsets_.push_back(offset);
      offset += size;
    }
    // Buckets in backward order (last layer first): close a bucket once it reaches the bucket size.
    std::int64_t bucket_elements = 0;
    for (std::size_t i = partition.layer_count(); i-- > 0;) {
      if (buckets_.empty() || bucket_elements >= options.reduce_bucket_size) {
        buckets_.push_back(Bucket{i, i, 0});
        bucket_elements = 0;
      }
      buckets_.back().first = i;
      bucket_elements += partition.layer(i).size;
      bucket_of_.push_back(buckets_.size() - 1);
    }
    std::reverse(bucket_of_.begin(), bucket_of_.end());
  }

  [[nodiscard]] int stage() const override { return 0; }
  [[nodiscard]] std::size_t layer_count() const override { return params_.size(); }
  Tensor acquire(std::size_t layer) override { return params_.at(layer); }
  void release(std::size_t /*layer*/) override {}
  Tensor grads(std::size_t layer) override { return grads_.at(layer); }

  void grads_ready(std::size_t layer) override {
    if (!reducing_) return;
    Bucket& bucket = buckets_.at(bucket_of_.at(layer));
    if (++bucket.ready < bucket.last - bucket.first + 1) return;
    const std::int64_t begin = offsets_.at(bucket.first);
    const std::int64_t end = offsets_.at(bucket.last) + grads_.at(bucket.last).numel();
    works_.push_back(comm_.all_reduce_async(grad_buffer_.f32() + begin, static_cast<std::size_t>(end - begin),
                                            comm::DataType::kFp32, comm::ReduceOp::kSum));
    if (!overlap_) works_.back().wait();
  }

  void begin_step() override { grad_buffer_.fill_zero(); }

  void begin_backward(bool last_micro_step) override {
    reducing_ = last_micro_step && comm_.size() > 1;
    for (auto& b : buckets_) b.ready = 0;
  }

  void end_backward() override {
    for (auto& w : works_) w.wait();
    works_.clear();
  }

  std::vector<Tensor> owned_params() override { return params_; }
  std::vector<Tensor> owned_grads() override { return grads_; }
  [[nodiscard]] bool grads_replicated() const override { return true; }
  void after_optimizer_step() override {}

 private:
  struct Bucket {
    std::size_t first;  // lowest layer index in the bucket
    std::size_t last;   // highest
    std::size_t ready;  // layers of the bucket whose gradients are complete this micro-step
  };

  comm::Communicator& comm_;
  bool overlap_;
  bool reducing_ = false;
  Tensor grad_buffer_;
  std::vector<Tensor> params_, grads_;
  std::vector<std::int64_t> offsets_;
  std::vector<Bucket> buckets_;
  std::vector<std::size_t> bucket_of_;  // layer -> bucket index
  std::vector<comm::Work> works_;
};

}  // namespace

std::unique_ptr<ZeroStorage> make_stage0_storage(const Partition& partition, comm::Communicator& comm,
                                                 const ZeroOptions& options, runtime::Allocator& allocator) {
  return std::make_unique<Stage0Storage>(partition, comm, options, allocator);
}

}  // namespace zl::engine
