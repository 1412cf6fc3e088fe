// Stage 1: full (padded) parameters and gradients on every rank; gradients accumulate locally over the
// micro-steps and are reduce-scattered once, at the accumulation boundary, in place (rank r's block of
// each layer's gradient becomes the sum over ranks); the optimizer state covers the owned shard only.
#include "resident_params.h"
#include "stages.h"

namespace zl::engine {
namespace {

using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

class Stage1Storage final : public ZeroStorage {
 public:
  Stage1Storage(const Partition& partition, comm::Communicator& comm, runtime::Allocator& allocator)
      : partition_(partition), comm_(comm), params_(partition, comm, allocator) {
    for (std::size_t i = 0; i < partition.layer_count(); ++i) {
      grads_.push_back(Tensor::zeros({partition.layer(i).padded}, DType::kF32, MemoryKind::kGrads, runtime::Device::kCpu, allocator));
    }
  }

  [[nodiscard]] int stage() const override { return 1; }
  [[nodiscard]] std::size_t layer_count() const override { return grads_.size(); }
  Tensor acquire(std::size_t layer) override { return params_.layer(layer); }
  void release(std::size_t /*layer*/) override {}
  Tensor grads(std::size_t layer) override { return grads_.at(layer).view(0, {partition_.layer(layer).size}); }
  void grads_ready(std::size_t /*layer*/) override {}

  void begin_step() override {
    for (auto& g : grads_) g.fill_zero();
  }
  void begin_backward(bool /*last_micro_step*/) override {}
  void end_backward() override {}

  void reduce_at_boundary() override {
    std::vector<comm::Work> works;
    for (std::size_t i = 0; i < grads_.size(); ++i) {
      const auto& shard = partition_.layer(i);
      float* full = grads_[i].f32();
      works.push_back(comm_.reduce_scatter_async(full, full + shard.owned_offset(comm_.rank()),
                                                 static_cast<std::size_t>(shard.shard), comm::DataType::kFp32,
                                                 comm::ReduceOp::kSum));
    }
    for (auto& w : works) w.wait();
  }

  std::vector<Tensor> owned_params() override { return params_.owned(); }
  std::vector<Tensor> owned_grads() override {
    std::vector<Tensor> out;
    for (std::size_t i = 0; i < grads_.size(); ++i) {
      const auto& shard = partition_.layer(i);
      out.push_back(grads_[i].view(shard.owned_offset(comm_.rank()), {shard.shard}));
    }
    return out;
  }
  void after_optimizer_step() override { params_.all_gather_owned(); }

 private:
  const Partition& partition_;
  comm::Communicator& comm_;
  ResidentParams params_;
  std::vector<Tensor> grads_;  // MemoryKind::kGrads, padded per layer
};

}  // namespace

std::unique_ptr<ZeroStorage> make_stage1_storage(const Partition& partition, comm::Communicator& comm,
                                                 const ZeroOptions& /*options*/, runtime::Allocator& allocator) {
  return std::make_unique<Stage1Storage>(partition, comm, allocator);
}

}  // namespace zl::engine
