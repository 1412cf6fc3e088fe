// Stage 2: full (padded) parameters; each layer's gradient joins a reduce-scatter bucket of
// reduce_bucket_size elements as soon as its backward is done, in every micro-step, the bucket's sum
// lands in the rank's owned accumulators and the full gradient is released (sharded_gradients.h); the
// optimizer updates the owned shard, which is then all-gathered in buckets of allgather_bucket_size
// elements (resident_params.h).
// Mixed precision: 16-bit parameters and gradient shards, fp32 master weights of the owned shard.
#include "precision.h"
#include "resident_params.h"
#include "sharded_gradients.h"
#include "stages.h"

namespace zl::engine {
namespace {

using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

class Stage2Storage final : public ZeroStorage {
 public:
  Stage2Storage(const Partition& partition, comm::Communicator& comm, const ZeroOptions& options,
                runtime::Allocator& allocator)
      : partition_(partition),
        comm_(comm),
        mixed_(options.working != DType::kF32),
        allocator_(allocator),
        params_(partition, comm, allocator, options.working, options.device, options.zero.allgather_bucket_size),
        grads_(partition, comm, allocator, options),
        layers_(partition.layer_count()),
        wide_(partition.layer_count(), allocator) {
    for (std::size_t i = 0; mixed_ && i < layers_; ++i) {
      master_.push_back(master_weights(partition.layer(i).shard, options, allocator));
    }
  }

  [[nodiscard]] int stage() const override { return 2; }
  [[nodiscard]] std::size_t layer_count() const override { return layers_; }
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
  Tensor grads(std::size_t layer) override { return grads_.full(layer); }
  void grads_ready(std::size_t layer) override { grads_.ready(layer); }

  void begin_step() override { grads_.zero_owned(); }
  void begin_backward(bool /*last_micro_step*/) override {}
  void end_backward() override { grads_.drain(); }

  std::vector<Tensor> owned_params() override { return mixed_ ? master_ : params_.owned(); }
  std::vector<Tensor> owned_grads() override {
    std::vector<Tensor> out;
    for (std::size_t i = 0; i < layers_; ++i) {
      out.push_back(mixed_ ? widened(grads_.owned(i), MemoryKind::kBuffers, allocator_) : grads_.owned(i));
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
  bool mixed_;
  runtime::Allocator& allocator_;
  bool loading_ = false;
  ResidentParams params_;
  ShardedGradients grads_;
  std::size_t layers_;
  std::vector<Tensor> master_;  // mixed precision: fp32 master weights of the owned shard (kMaster)
  WideViews wide_;
};

}  // namespace

std::unique_ptr<ZeroStorage> make_stage2_storage(const Partition& partition, comm::Communicator& comm,
                                                 const ZeroOptions& options, runtime::Allocator& allocator) {
  return std::make_unique<Stage2Storage>(partition, comm, options, allocator);
}

}  // namespace zl::engine
