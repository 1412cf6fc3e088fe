// Stage 2: full (padded) parameters; each layer's gradient is reduce-scattered into the rank's owned
// accumulator as soon as its backward is done, in every micro-step, and the full gradient released
// (sharded_gradients.h); the optimizer updates the owned shard, which is then all-gathered.
#include "resident_params.h"
#include "sharded_gradients.h"
#include "stages.h"

namespace zl::engine {
namespace {

using runtime::Tensor;

class Stage2Storage final : public ZeroStorage {
 public:
  Stage2Storage(const Partition& partition, comm::Communicator& comm, const ZeroOptions& options,
                runtime::Allocator& allocator)
      : params_(partition, comm, allocator), grads_(partition, comm, allocator, options.overlap_comm),
        layers_(partition.layer_count()) {}

  [[nodiscard]] int stage() const override { return 2; }
  [[nodiscard]] std::size_t layer_count() const override { return layers_; }
  Tensor acquire(std::size_t layer) override { return params_.layer(layer); }
  void release(std::size_t /*layer*/) override {}
  Tensor grads(std::size_t layer) override { return grads_.full(layer); }
  void grads_ready(std::size_t layer) override { grads_.ready(layer); }

  void begin_step() override { grads_.zero_owned(); }
  void begin_backward(bool /*last_micro_step*/) override {}
  void end_backward() override { grads_.drain(); }

  std::vector<Tensor> owned_params() override { return params_.owned(); }
  std::vector<Tensor> owned_grads() override {
    std::vector<Tensor> out;
    for (std::size_t i = 0; i < layers_; ++i) out.push_back(grads_.owned(i));
    return out;
  }
  void after_optimizer_step() override { params_.all_gather_owned(); }

 private:
  ResidentParams params_;
  ShardedGradients grads_;
  std::size_t layers_;
};

}  // namespace

std::unique_ptr<ZeroStorage> make_stage2_storage(const Partition& partition, comm::Communicator& comm,
                                                 const ZeroOptions& options, runtime::Allocator& allocator) {
  return std::make_unique<Stage2Storage>(partition, comm, options, allocator);
}

}  // namespace zl::engine
