// The parameter-storage seam: where a model's layers find their parameters and gradients.
//
// Every layer's parameters live in ONE flat fp32 buffer laid out as its parameter list (layer.h), and
// its gradients in another of the same size. Layers never own that memory and never communicate; the
// model asks a ParameterStorage for them around each use:
//   forward/backward of layer i:   p = acquire(i) ... compute ... release(i)
//   backward of layer i:           grads(i) is accumulated into; grads_ready(i) once layer i's
//                                  gradients for this micro-batch are complete.
// LocalParameterStorage keeps everything resident (one process, or ZeRO stage 0). The ZeRO engine swaps
// in its own storage: stage 3 gathers a layer's shards in acquire() and frees them in release();
// stage 2 reduce-scatters in grads_ready().
//
// The tied head reads layer 0's (the embedding's) token weight: the model acquires layer 0 a second
// time for the head and accumulates the head's weight gradient into grads(0), before the embedding's
// own backward; grads_ready(0) comes once, after the embedding's backward.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "zl/runtime/tensor.h"

namespace zl::runtime {

class ParameterStorage {
 public:
  virtual ~ParameterStorage() = default;
  [[nodiscard]] virtual std::size_t layer_count() const = 0;
  // The full flat parameters of layer i (fp32, host), valid until the matching release(i).
  virtual Tensor acquire(std::size_t layer) = 0;
  virtual void release(std::size_t layer) = 0;
  // The full flat gradient buffer of layer i; backward accumulates (+=) into it.
  virtual Tensor grads(std::size_t layer) = 0;
  virtual void grads_ready(std::size_t layer) = 0;
};

// All parameters and gradients resident: one params buffer (MemoryKind::kParams) and one grads buffer
// (kGrads) per layer, zero-initialized.
class LocalParameterStorage final : public ParameterStorage {
 public:
  LocalParameterStorage(const std::vector<std::int64_t>& layer_sizes, Allocator& allocator = default_allocator());

  [[nodiscard]] std::size_t layer_count() const override { return params_.size(); }
  Tensor acquire(std::size_t layer) override { return params_.at(layer); }
  void release(std::size_t /*layer*/) override {}
  Tensor grads(std::size_t layer) override { return grads_.at(layer); }
  void grads_ready(std::size_t /*layer*/) override {}

  [[nodiscard]] const std::vector<Tensor>& params() const { return params_; }
  [[nodiscard]] const std::vector<Tensor>& all_grads() const { return grads_; }
  void zero_grads();

 private:
  std::vector<Tensor> params_;
  std::vector<Tensor> grads_;
};

}  // namespace zl::runtime
