// Stage 0 (plain data parallel): full parameters, gradients and optimizer state on every rank; the
// gradients are summed across ranks by all-reduce in buckets of ~reduce_bucket_size elements, each
// launched as soon as the last backward of the accumulation has completed every layer in it.
// Mixed precision: 16-bit parameters and gradients, full fp32 master weights (precision.h).
#include "precision.h"
#include "stages.h"
#include "zl/base/check.h"
#include "zl/config/zero_layout.h"

namespace zl::engine {
namespace {

using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

class Stage0Storage final : public ZeroStorage {
 public:
  Stage0Storage(const Partition& partition, comm::Communicator& comm, const ZeroOptions& options,
                runtime::Allocator& allocator)
      : comm_(comm),
        overlap_(options.zero.overlap_comm),
        working_(options.working),
        reduce_(options.reduce),
        mixed_(options.working != DType::kF32),
        device_(options.device),
        allocator_(allocator),
        wide_(partition.layer_count(), allocator) {
    // All gradients live in one buffer, layers in order, so a bucket of adjacent layers is one
    // contiguous all-reduce.
    grad_buffer_ = Tensor::zeros({partition.total()}, working_, MemoryKind::kGrads, device_, allocator);
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < partition.layer_count(); ++i) {
      const std::int64_t size = partition.layer(i).size;
      params_.push_back(Tensor::zeros({size}, working_, MemoryKind::kParams, device_, allocator));
      if (mixed_) master_.push_back(master_weights(size, options, allocator));
      grads_.push_back(grad_buffer_.view(offset, {size}));
      offsets_.push_back(offset);
      offset += size;
    }
    staging_.resize(partition.layer_count());
    // Buckets in backward order (last layer first), whole layers each (the rule in zl/config/zero_layout.h).
    std::vector<std::int64_t> sizes;
    for (std::size_t i = 0; i < partition.layer_count(); ++i) sizes.push_back(partition.layer(i).size);
    bucket_of_.resize(partition.layer_count());
    for (const config::LayerRange& range : config::plan_all_reduce_buckets(sizes, options.zero.reduce_bucket_size)) {
      for (std::size_t i = range.first; i <= range.last; ++i) bucket_of_[i] = buckets_.size();
      buckets_.push_back(Bucket{range.first, range.last, 0});
    }
  }

  [[nodiscard]] int stage() const override { return 0; }
  [[nodiscard]] std::size_t layer_count() const override { return params_.size(); }
  Tensor acquire(std::size_t layer) override {
    if (!mixed_) return params_.at(layer);
    if (loading_) return master_.at(layer);
    return wide_.acquire(layer, params_.at(layer));
  }
  void release(std::size_t layer) override {
    if (mixed_ && !loading_) wide_.release(layer);
  }
  Tensor grads(std::size_t layer) override {
    if (!mixed_) return grads_.at(layer);
    Tensor& staged = staging_.at(layer);
    if (!staged.defined())
      staged = Tensor::zeros({grads_.at(layer).numel()}, DType::kF32, MemoryKind::kBuffers, device_, allocator_);
    return staged;
  }

  void grads_ready(std::size_t layer) override {
    if (mixed_) {
      ZL_CHECK(staging_.at(layer).defined(),
               "gradients of layer " << layer << " were declared ready but never accumulated");
      accumulate_rounded(grads_.at(layer), staging_[layer], working_);
      staging_[layer] = Tensor();
    }
    if (!reducing_) return;
    Bucket& bucket = buckets_.at(bucket_of_.at(layer));
    if (++bucket.ready < bucket.last - bucket.first + 1) return;
    const std::int64_t begin = offsets_.at(bucket.first);
    const std::int64_t end = offsets_.at(bucket.last) + grads_.at(bucket.last).numel();
    Pending p;
    if (reduce_ == working_) {
      const Tensor region = grad_buffer_.view(begin, {end - begin});
      p.work = comm_.all_reduce_async(region.raw(), static_cast<std::size_t>(end - begin), comm_type(working_),
                                      comm::ReduceOp::kSum);
    } else {
      // fp32 communication of 16-bit gradients: widened, summed in fp32, rounded back in end_backward.
      p.target = grad_buffer_.view(begin, {end - begin});
      p.wide = widened(p.target, MemoryKind::kBuffers, allocator_);
      p.work = comm_.all_reduce_async(p.wide.ptr_f32(), static_cast<std::size_t>(end - begin), comm::DataType::kFp32,
                                      comm::ReduceOp::kSum);
    }
    works_.push_back(std::move(p));
    if (!overlap_) finish(works_.back());
  }

  void begin_step() override { grad_buffer_.fill_zero(); }

  void begin_backward(bool last_micro_step) override {
    reducing_ = last_micro_step && comm_.size() > 1;
    for (auto& b : buckets_) b.ready = 0;
  }

  void end_backward() override {
    for (auto& p : works_) finish(p);
    works_.clear();
  }

  std::vector<Tensor> owned_params() override { return mixed_ ? master_ : params_; }
  std::vector<Tensor> owned_grads() override {
    if (!mixed_) return grads_;
    std::vector<Tensor> out;
    for (const auto& g : grads_) out.push_back(widened(g, MemoryKind::kBuffers, allocator_));
    return out;
  }
  [[nodiscard]] bool grads_replicated() const override { return true; }
  void after_optimizer_step() override {
    if (!mixed_) return;
    for (std::size_t i = 0; i < params_.size(); ++i) params_[i].copy_from(master_[i]);
  }
  void begin_parameter_load() override { loading_ = true; }
  void end_parameter_load() override {
    loading_ = false;
    after_optimizer_step();
  }

 private:
  struct Bucket {
    std::size_t first;  // lowest layer index in the bucket
    std::size_t last;   // highest
    std::size_t ready;  // layers of the bucket whose gradients are complete this micro-step
  };
  struct Pending {
    comm::Work work;
    Tensor wide;    // fp32 communication: the widened bucket ...
    Tensor target;  // ... and the 16-bit gradients it is rounded back into
  };

  void finish(Pending& p) {
    p.work.wait();
    if (p.wide.defined()) {
      p.target.copy_from(p.wide);
      p.wide = Tensor();
    }
  }

  comm::Communicator& comm_;
  bool overlap_;
  DType working_;
  DType reduce_;
  bool mixed_;
  runtime::Device device_;
  runtime::Allocator& allocator_;
  bool reducing_ = false;
  bool loading_ = false;
  Tensor grad_buffer_;
  std::vector<Tensor> params_, grads_;
  std::vector<Tensor> master_;   // mixed precision: fp32 master weights (kMaster)
  std::vector<Tensor> staging_;  // mixed precision: fp32 gradients of the current backward (kBuffers)
  WideViews wide_;
  std::vector<std::int64_t> offsets_;
  std::vector<Bucket> buckets_;
  std::vector<std::size_t> bucket_of_;  // layer -> bucket index
  std::vector<Pending> works_;
};

}  // namespace

std::unique_ptr<ZeroStorage> make_stage0_storage(const Partition& partition, comm::Communicator& comm,
                                                 const ZeroOptions& options, runtime::Allocator& allocator) {
  return std::make_unique<Stage0Storage>(partition, comm, options, allocator);
}

}  // namespace zl::engine
