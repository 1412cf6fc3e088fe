// Layer: one stage of a model (embedding, transformer block, final norm). A layer describes its
// parameters as a list of named tensors with shapes, laid out back to back in one flat buffer, and
// implements forward and backward over a micro-batch, saving what its backward needs. It never owns
// parameter or gradient memory (parameter_storage.h) and never communicates.
//
// Activations flow as [B, T, C] fp32 tensors on the model's device; a layer computes with the kernels
// of that device (ops_for(batch.device)) and initializes its parameters in a host buffer. forward() returns the layer's
// output, which the layer owns and keeps (the next layer's saved input) until the next forward. backward() writes (not
// accumulates) the gradient with respect to its input into `dinput` and accumulates parameter gradients into `grads`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zl/runtime/rng.h"
#include "zl/runtime/tensor.h"
#include "zl/runtime/workspace.h"

namespace zl::runtime {

struct ParameterSpec {
  std::string name;     // Hugging Face GPT-2 name within the layer, e.g. "attn.c_attn.weight"
  Shape shape;          // our layout: linear weights are [out, in] (as torch.nn.Linear)
  std::int64_t offset;  // element offset in the layer's flat buffer
};

// What a layer sees of the current micro-batch. tokens are [B, T], on `device` (where the model
// computes: parameters, activations and kernels), and outlive the pass.
struct MicroBatchView {
  int B = 0;
  int T = 0;
  const std::int32_t* tokens = nullptr;
  Workspace* workspace = nullptr;
  Allocator* allocator = nullptr;  // where saved activations are allocated
  Device device = Device::kCpu;
};

class Layer {
 public:
  virtual ~Layer() = default;
  Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  // Name prefix of the layer's parameters in Hugging Face GPT-2 naming: "" (wte/wpe), "h.3.", "ln_f.".
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::vector<ParameterSpec>& parameters() const { return specs_; }
  [[nodiscard]] std::int64_t parameter_count() const { return count_; }
  // The view of parameter `index` (or the one named `name`) inside a flat buffer of this layer.
  [[nodiscard]] Tensor parameter(const Tensor& flat, std::size_t index) const;
  [[nodiscard]] Tensor parameter(const Tensor& flat, const std::string& name) const;

  // GPT-2's initialization into a flat parameter buffer.
  virtual void initialize(const Tensor& flat, Rng& rng, int n_layer) const = 0;
  virtual const Tensor& forward(const Tensor& params, const Tensor& input, const MicroBatchView& batch) = 0;
  virtual void backward(const Tensor& params, const Tensor& grads, const Tensor& dout, const Tensor& dinput,
                        const MicroBatchView& batch) = 0;

 protected:
  explicit Layer(std::string name) : name_(std::move(name)) {}
  void add_parameter(const std::string& name, const Shape& shape);

 private:
  std::string name_;
  std::vector<ParameterSpec> specs_;
  std::int64_t count_ = 0;
};

}  // namespace zl::runtime
