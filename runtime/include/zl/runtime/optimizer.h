// Optimizers over flat fp32 buffers: the Adam family (decoupled weight decay when
// settings.adam_w_mode, as DeepSpeed's AdamW and its Adam by default; L2 decay otherwise; optional bias
// correction) and SGD with momentum, with PyTorch/DeepSpeed semantics
// (kernels/include/zl/kernels/math/optimizer_math.h). Weight decay applies to every parameter, as DeepSpeed does for a
// model passed without parameter groups.
//
// The optimizer is handed the same list of (param, grad) buffers at every step — one per layer, or one
// per owned shard under ZeRO — and keeps one state buffer per entry (MemoryKind::kOptimizer), allocated
// on the first step.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "zl/config/resolved_config.h"
#include "zl/runtime/tensor.h"

namespace zl::runtime {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // The optimizer of settings.type (validated by configtool).
  static std::unique_ptr<Optimizer> create(const config::OptimizerSettings& settings,
                                           Allocator& allocator = default_allocator());

  // One update of every params[i] from grads[i] at learning rate lr.
  virtual void step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads, double lr) = 0;
  [[nodiscard]] std::int64_t steps_taken() const { return steps_; }
  // to_string(OptimizerType): "AdamW" | "Adam" | "SGD".
  [[nodiscard]] virtual std::string name() const = 0;

  // Checkpoints (zl/checkpoint): the names of the per-buffer state tensors, PyTorch's ("exp_avg",
  // "exp_avg_sq" for the Adam family; "momentum_buffer" for SGD) ...
  [[nodiscard]] virtual std::vector<std::string> state_names() const = 0;
  // ... and state_buffers(params)[s][i], state s of buffer i, which a checkpoint reads or overwrites in
  // place. Allocates the (zero) state for `params` as the first step() would when no step has run yet.
  virtual std::vector<std::vector<Tensor>> state_buffers(const std::vector<Tensor>& params) = 0;
  // Restores the step count (Adam's bias correction depends on it) when resuming.
  void set_steps_taken(std::int64_t steps) { steps_ = steps; }

 protected:
  std::int64_t steps_ = 0;
};

}  // namespace zl::runtime
