// Stage 1: full (padded) parameters and gradients on every rank; gradients accumulate locally over the
// micro-steps and are reduce-scattered once, at the accumulation boundary, in buckets of
// reduce_bucket_size elements (gradient_buckets.h; rank r's block of each layer's gradient becomes the
// sum over ranks); the optimizer state covers the owned shard only; the updated shards are all-gathered
// in buckets of allgather_bucket_size elements (resident_params.h).
// Mixed precision: 16-bit parameters and gradients, fp32 master weights of the owned shard (precision.h).
#include "gradient_buckets.h"
#include "precision.h"
#include "resident_params.h"
#include "stages.h"
#include "zl/base/check.h"

namespace zl::engine {
namespace {

using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

// At the boundary nothing computes meanwhile; two buckets in flight let the next one be packed while one
// is reduced.
GradientBuckets::Options boundary_buckets(const ZeroOptions& options) {
  GradientBuckets::Options b;
  b.bucket_elements = options.zero.reduce_bucket_size;
  b.reduce = options.reduce;
  b.working = options.working;
  b.device = options.device;
  b.max_in_flight = 2;
  b.delivery = GradientBuckets::Delivery::kReplace;
  return b;
}

class Stage1Storage final : public ZeroStorage {
 public:
  Stage1Storage(const Partition& partition, comm::Communicator& comm, const ZeroOptions& options,
                runtime::Allocator& allocator)
      : partition_(partition),
        comm_(comm),
        working_(options.working),
        mixed_(options.working != DType::kF32),
        device_(options.device),
        allocator_(allocator),
        params_(partition, comm, allocator, options.working, options.device, options.zero.allgather_bucket_size),
        wide_(partition.layer_count(), allocator),
        staging_(partition.layer_count()),
        buckets_(partition, comm, allocator, boundary_buckets(options)) {
    for (std::size_t i = 0; i < partition.layer_count(); ++i) {
      grads_.push_back(Tensor::zeros({partition.layer(i).padded}, working_, MemoryKind::kGrads, device_, allocator));
      if (mixed_) master_.push_back(master_weights(partition.layer(i).shard, options, allocator));
    }
  }

  [[nodiscard]] int stage() const override { return 1; }
  [[nodiscard]] std::size_t layer_count() const override { return grads_.size(); }
  Tensor acquire(std::size_t layer) override {
    if (!mixed_) return params_.layer(layer);
    if (loading_) return params_.begin_load(layer);
    return wide_.acquire(layer, params_.layer(layer));
  }
  void release(std::size_t layer) override {
    if (!mixed_) return;
    if (!loading_) return wide_.release(layer);
    params_.finish_load(layer, master_.at(layer));
  }
  Tensor grads(std::size_t layer) override {
    const std::int64_t size = partition_.layer(layer).size;
    if (!mixed_) return grads_.at(layer).view(0, {size});
    Tensor& staged = staging_.at(layer);
    if (!staged.defined()) staged = Tensor::zeros({size}, DType::kF32, MemoryKind::kBuffers, device_, allocator_);
    return staged;
  }
  void grads_ready(std::size_t layer) override {
    if (!mixed_) return;
    ZL_CHECK(staging_.at(layer).defined(),
             "gradients of layer " << layer << " were declared ready but never accumulated");
    accumulate_rounded(grads_.at(layer).view(0, {partition_.layer(layer).size}), staging_[layer], working_);
    staging_[layer] = Tensor();
  }

  void begin_step() override {
    for (auto& g : grads_) g.fill_zero();
  }
  void begin_backward(bool /*last_micro_step*/) override {}
  void end_backward() override {}

  // In backward order (the order the gradients became ready: last layer first, parameter_storage.h), in
  // buckets of reduce_bucket_size elements; rank r's block of each layer's gradient becomes the sum.
  void reduce_at_boundary() override {
    for (std::size_t i = grads_.size(); i-- > 0;) {
      const auto& shard = partition_.layer(i);
      buckets_.add(i, grads_[i], grads_[i].view(shard.owned_offset(comm_.rank()), {shard.shard}));
    }
    buckets_.drain();
  }

  std::vector<Tensor> owned_params() override { return mixed_ ? master_ : params_.owned(); }
  std::vector<Tensor> owned_grads() override {
    std::vector<Tensor> out;
    for (std::size_t i = 0; i < grads_.size(); ++i) {
      const auto& shard = partition_.layer(i);
      Tensor owned = grads_[i].view(shard.owned_offset(comm_.rank()), {shard.shard});
      out.push_back(mixed_ ? widened(owned, MemoryKind::kBuffers, allocator_) : owned);
    }
    return out;
  }
  void after_optimizer_step() override {
    if (mixed_) {
      const std::vector<Tensor> owned = params_.owned();
      for (std::size_t i = 0; i < owned.size(); ++i) owned[i].copy_from(master_[i]);
    }
    params_.all_gather_owned();
  }
  void begin_parameter_load() override { loading_ = true; }
  void end_parameter_load() override { loading_ = false; }

 private:
  const Partition& partition_;
  comm::Communicator& comm_;
  DType working_;
  bool mixed_;
  runtime::Device device_;
  runtime::Allocator& allocator_;
  bool loading_ = false;
  ResidentParams params_;
  std::vector<Tensor> grads_;   // MemoryKind::kGrads, padded per layer, working dtype
  std::vector<Tensor> master_;  // mixed precision: fp32 master weights of the owned shard (kMaster)
  WideViews wide_;
  std::vector<Tensor> staging_;  // mixed precision: fp32 gradients of the current backward (kBuffers)
  GradientBuckets buckets_;
};

}  // namespace

std::unique_ptr<ZeroStorage> make_stage1_storage(const Partition& partition, comm::Communicator& comm,
                                                 const ZeroOptions& options, runtime::Allocator& allocator) {
  return std::make_unique<Stage1Storage>(partition, comm, options, allocator);
}

}  // namespace zl::engine
