// Mixed-precision helpers (precision.h).
#include "precision.h"

#include "zl/base/check.h"
#include "zl/kernels/math/cast_math.h"

namespace zl::engine {

using runtime::DType;
using runtime::Tensor;

namespace {

float load(const Tensor& t, std::size_t i) {
  switch (t.dtype()) {
    case DType::kF32:
      return t.f32()[i];
    case DType::kBF16:
      return kernels::math::bf16_bits_to_float(t.bits16()[i]);
    case DType::kF16:
      return kernels::math::fp16_bits_to_float(t.bits16()[i]);
  }
  return 0.0f;
}

float round_to(float x, DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return x;
    case DType::kBF16:
      return kernels::math::bf16_bits_to_float(kernels::math::float_to_bf16_bits(x));
    case DType::kF16:
      return kernels::math::fp16_bits_to_float(kernels::math::float_to_fp16_bits(x));
  }
  return x;
}

}  // namespace

comm::DataType comm_type(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return comm::DataType::kFp32;
    case DType::kBF16:
      return comm::DataType::kBf16;
    case DType::kF16:
      return comm::DataType::kFp16;
  }
  return comm::DataType::kFp32;
}

void accumulate_rounded(const Tensor& acc, const Tensor& add, DType working) {
  ZL_CHECK(acc.numel() == add.numel(), "accumulate: " << acc.numel() << " vs " << add.numel() << " elements");
  const auto n = static_cast<std::size_t>(acc.numel());
  switch (acc.dtype()) {
    case DType::kF32: {
      float* a = acc.f32();
      for (std::size_t i = 0; i < n; ++i) a[i] += round_to(load(add, i), working);
      break;
    }
    case DType::kBF16: {
      std::uint16_t* a = acc.bits16();
      for (std::size_t i = 0; i < n; ++i) {
        const float sum = kernels::math::bf16_bits_to_float(a[i]) + round_to(load(add, i), working);
        a[i] = kernels::math::float_to_bf16_bits(sum);
      }
      break;
    }
    case DType::kF16: {
      std::uint16_t* a = acc.bits16();
      for (std::size_t i = 0; i < n; ++i) {
        const float sum = kernels::math::fp16_bits_to_float(a[i]) + round_to(load(add, i), working);
        a[i] = kernels::math::float_to_fp16_bits(sum);
      }
      break;
    }
  }
}

void round_in_place(const Tensor& x, DType dtype) {
  if (dtype == DType::kF32) return;
  float* p = x.f32();
  const auto n = static_cast<std::size_t>(x.numel());
  for (std::size_t i = 0; i < n; ++i) p[i] = round_to(p[i], dtype);
}

Tensor widened(const Tensor& source, runtime::MemoryKind kind, runtime::Allocator& allocator) {
  Tensor out = Tensor::empty(source.shape(), DType::kF32, kind, source.device(), allocator);
  out.copy_from(source);
  return out;
}

Tensor WideViews::acquire(std::size_t layer, const Tensor& narrow) {
  if (refs_.at(layer)++ == 0) views_[layer] = widened(narrow, runtime::MemoryKind::kBuffers, allocator_);
  return views_[layer];
}

void WideViews::release(std::size_t layer) {
  ZL_CHECK(refs_.at(layer) > 0, "layer " << layer << " released more often than acquired");
  if (--refs_[layer] == 0) views_[layer] = Tensor();
}

}  // namespace zl::engine
