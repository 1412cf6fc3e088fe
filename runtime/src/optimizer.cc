// AdamW, Adam and SGD over flat buffers (zl/runtime/optimizer.h).
#include "zl/runtime/optimizer.h"

#include "zl/base/check.h"
#include "zl/base/error.h"

namespace zl::runtime {
namespace {

void check_pairs(const std::vector<Tensor>& params, const std::vector<Tensor>& grads) {
  ZL_CHECK(params.size() == grads.size(), params.size() << " parameter buffers, " << grads.size() << " gradients");
  for (std::size_t i = 0; i < params.size(); ++i) {
    ZL_CHECK(params[i].numel() == grads[i].numel(),
             "buffer " << i << ": " << params[i].numel() << " vs " << grads[i].numel());
  }
}

// Adam family: m and v per buffer.
class AdamOptimizer final : public Optimizer {
 public:
  AdamOptimizer(const config::OptimizerSettings& s, Allocator& allocator) : settings_(s), allocator_(&allocator) {}

  void step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads, double lr) override {
    check_pairs(params, grads);
    allocate(params);
    ++steps_;
    kernels::AdamHyper h;
    h.lr = static_cast<float>(lr);
    h.beta1 = static_cast<float>(settings_.betas[0]);
    h.beta2 = static_cast<float>(settings_.betas[1]);
    h.eps = static_cast<float>(settings_.eps);
    h.weight_decay = static_cast<float>(settings_.weight_decay);
    h.step = steps_;
    h.bias_correction = settings_.bias_correction;
    for (std::size_t i = 0; i < params.size(); ++i) {
      const auto n = static_cast<std::size_t>(params[i].numel());
      const kernels::Ops& k = params[i].ops();
      (settings_.adam_w_mode ? k.adamw_step : k.adam_l2_step)(params[i].ptr_f32(), grads[i].ptr_f32(), m_[i].ptr_f32(),
                                                              v_[i].ptr_f32(), n, h);
    }
  }
  [[nodiscard]] std::string name() const override { return config::to_string(settings_.type); }
  [[nodiscard]] std::vector<std::string> state_names() const override { return {"exp_avg", "exp_avg_sq"}; }
  std::vector<std::vector<Tensor>> state_buffers(const std::vector<Tensor>& params) override {
    allocate(params);
    return {m_, v_};
  }

 private:
  void allocate(const std::vector<Tensor>& params) {
    if (m_.empty()) {
      for (const Tensor& p : params) {
        m_.push_back(Tensor::zeros({p.numel()}, DType::kF32, MemoryKind::kOptimizer, p.device(), *allocator_));
        v_.push_back(Tensor::zeros({p.numel()}, DType::kF32, MemoryKind::kOptimizer, p.device(), *allocator_));
      }
    }
    ZL_CHECK(m_.size() == params.size(), "the optimizer's buffers changed between steps");
  }

  config::OptimizerSettings settings_;
  Allocator* allocator_;
  std::vector<Tensor> m_, v_;
};

class SgdOptimizer final : public Optimizer {
 public:
  SgdOptimizer(const config::OptimizerSettings& s, Allocator& allocator) : settings_(s), allocator_(&allocator) {}

  void step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads, double lr) override {
    check_pairs(params, grads);
    allocate(params);
    ++steps_;
    for (std::size_t i = 0; i < params.size(); ++i) {
      params[i].ops().sgd_momentum_step(
          params[i].ptr_f32(), grads[i].ptr_f32(), momentum_[i].ptr_f32(), static_cast<std::size_t>(params[i].numel()),
          static_cast<float>(lr), static_cast<float>(settings_.momentum), static_cast<float>(settings_.weight_decay));
    }
  }
  [[nodiscard]] std::string name() const override { return config::to_string(config::OptimizerType::kSgd); }
  [[nodiscard]] std::vector<std::string> state_names() const override { return {"momentum_buffer"}; }
  std::vector<std::vector<Tensor>> state_buffers(const std::vector<Tensor>& params) override {
    allocate(params);
    return {momentum_};
  }

 private:
  void allocate(const std::vector<Tensor>& params) {
    if (momentum_.empty()) {
      for (const Tensor& p : params) {
        momentum_.push_back(Tensor::zeros({p.numel()}, DType::kF32, MemoryKind::kOptimizer, p.device(), *allocator_));
      }
    }
    ZL_CHECK(momentum_.size() == params.size(), "the optimizer's buffers changed between steps");
  }

  config::OptimizerSettings settings_;
  Allocator* allocator_;
  std::vector<Tensor> momentum_;
};

}  // namespace

std::unique_ptr<Optimizer> Optimizer::create(const config::OptimizerSettings& settings, Allocator& allocator) {
  switch (settings.type) {
    case config::OptimizerType::kAdamW:
    case config::OptimizerType::kAdam:
      return std::make_unique<AdamOptimizer>(settings, allocator);
    case config::OptimizerType::kSgd:
      return std::make_unique<SgdOptimizer>(settings, allocator);
  }
  throw Error("optimizer.type: not an OptimizerType (" + std::to_string(static_cast<int>(settings.type)) + ")");
}

}  // namespace zl::runtime
