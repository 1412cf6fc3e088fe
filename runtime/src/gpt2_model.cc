// GPT-2 forward and backward over its layers (zl/runtime/gpt2_model.h).
#include "zl/runtime/gpt2_model.h"

#include <string>

#include "zl/base/check.h"
#include "zl/base/error.h"
#include "zl/runtime/device_ops.h"
#include "zl/runtime/gpt2_layers.h"

namespace zl::runtime {

Gpt2Model::Gpt2Model(const config::ModelSpec& spec, Allocator& allocator, Device device)
    : spec_(spec),
      allocator_(&allocator),
      device_(device),
      head_(spec.n_embd, spec.vocab_size),
      workspace_(allocator, device) {
  layers_.push_back(std::make_unique<EmbeddingLayer>(spec));
  for (int i = 0; i < spec.n_layer; ++i) layers_.push_back(std::make_unique<TransformerBlock>(spec, i));
  layers_.push_back(std::make_unique<FinalNormLayer>(spec));
  const auto expected = spec.layer_parameter_counts();
  ZL_CHECK(expected.size() == layers_.size(), "layer count " << layers_.size() << " vs spec " << expected.size());
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    ZL_CHECK(layers_[i]->parameter_count() == expected[i],
             "layer " << i << " has " << layers_[i]->parameter_count() << " parameters, spec says " << expected[i]);
  }
}

std::vector<std::int64_t> Gpt2Model::layer_sizes() const {
  std::vector<std::int64_t> sizes;
  for (const auto& layer : layers_) sizes.push_back(layer->parameter_count());
  return sizes;
}

void Gpt2Model::initialize(ParameterStorage& storage, std::uint64_t seed) const {
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    Rng rng(mix64(seed) ^ mix64(0x1000 + i));  // one stream per layer: init does not depend on sharding
    const Tensor flat = storage.acquire(i);
    if (flat.device() == Device::kCpu) {
      layers_[i]->initialize(flat, rng, spec_.n_layer);
    } else {  // initialized on the host, then copied: the same values on every device
      const Tensor host = Tensor::empty(flat.shape(), DType::kF32, MemoryKind::kBuffers, Device::kCpu, *allocator_);
      layers_[i]->initialize(host, rng, spec_.n_layer);
      flat.copy_from(host);
    }
    storage.release(i);
  }
}

double Gpt2Model::forward(ParameterStorage& storage, const std::int32_t* tokens, const std::int32_t* targets, int B,
                          int T) {
  if (T < 1 || T > spec_.block_size || B < 1) {
    throw Error("model forward: " + std::to_string(B) + " sequences of " + std::to_string(T) +
                " tokens, but the context length (block_size) is " + std::to_string(spec_.block_size));
  }
  const std::int64_t N = static_cast<std::int64_t>(B) * T;
  for (std::int64_t i = 0; i < N; ++i) {
    const bool bad_token = tokens[i] < 0 || tokens[i] >= spec_.vocab_size;
    const bool bad_target = targets != nullptr && (targets[i] < 0 || targets[i] >= spec_.vocab_size);
    if (bad_token || bad_target) {
      throw Error("model forward: token " + std::to_string(bad_token ? tokens[i] : targets[i]) +
                  " is outside the vocabulary [0, " + std::to_string(spec_.vocab_size) +
                  "): the data's vocabulary does not fit the model (--model)");
    }
  }
  const std::int32_t* compute_targets = targets;
  if (device_ != Device::kCpu) {
    tokens = on_device(tokens, N, tokens_on_device_);
    if (targets != nullptr) compute_targets = on_device(targets, N, targets_on_device_);
  }
  batch_ = {B, T, tokens, &workspace_, allocator_, device_};
  Tensor x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Tensor params = storage.acquire(i);
    ZL_CHECK(params.device() == device_, "layer " << i << "'s parameters are on " << to_string(params.device())
                                                  << ", the model computes on " << to_string(device_));
    x = layers_[i]->forward(params, x, batch_);
    storage.release(i);
  }
  const Tensor flat0 = storage.acquire(0);
  const double loss =
      head_.forward(layers_[0]->parameter(flat0, 0), x.reshape({N, spec_.n_embd}), compute_targets, N, *allocator_);
  storage.release(0);
  has_targets_ = targets != nullptr;
  return loss;
}

void Gpt2Model::backward(ParameterStorage& storage, float dloss) {
  ZL_CHECK(has_targets_, "backward needs a forward with targets");
  has_targets_ = false;
  const std::int64_t n = static_cast<std::int64_t>(batch_.B) * batch_.T * spec_.n_embd;
  const Shape shape = {batch_.B, batch_.T, spec_.n_embd};
  Tensor dout = grad_a_.get(n, *allocator_, device_).reshape(shape);
  Tensor dinput = grad_b_.get(n, *allocator_, device_).reshape(shape);
  {
    const Tensor flat0 = storage.acquire(0);
    head_.backward(layers_[0]->parameter(flat0, 0), layers_[0]->parameter(storage.grads(0), 0), dout, dloss);
    storage.release(0);
  }
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const Tensor params = storage.acquire(i);
    layers_[i]->backward(params, storage.grads(i), dout, dinput, batch_);
    storage.release(i);
    storage.grads_ready(i);
    std::swap(dout, dinput);
  }
}

const std::int32_t* Gpt2Model::on_device(const std::int32_t* host, std::int64_t n, std::shared_ptr<Block>& buffer) {
  const auto bytes = static_cast<std::size_t>(n) * sizeof(std::int32_t);
  if (buffer == nullptr || buffer->bytes() < bytes) {
    buffer.reset();
    buffer = allocator_->allocate(bytes, MemoryKind::kBuffers, device_);
  }
  ops_for(device_).upload(buffer->data(), host, bytes);
  return static_cast<const std::int32_t*>(buffer->data());
}

}  // namespace zl::runtime
