// Vectorizable sum and scale for fp32, bf16 and fp16 buffers (see reduce_functions.h).
#include "zl/comm/reduce_functions.h"

#include <cstdint>

#include "zl/kernels/math/cast_math.h"

namespace zl::comm {
namespace {

using kernels::math::bf16_bits_to_float;
using kernels::math::float_to_bf16_bits;
using kernels::math::float_to_fp16_bits;
using kernels::math::fp16_bits_to_float;

template <typename Load, typename Store>
void sum_16bit(std::uint16_t* out, const std::uint16_t* a, const std::uint16_t* b, std::size_t n, Load load,
               Store store) {
  for (std::size_t i = 0; i < n; ++i) out[i] = store(load(a[i]) + load(b[i]));
}

template <typename Load, typename Store>
void scale_16bit(std::uint16_t* data, std::size_t n, float factor, Load load, Store store) {
  for (std::size_t i = 0; i < n; ++i) data[i] = store(load(data[i]) * factor);
}

}  // namespace

void sum_into(void* out, const void* a, const void* b, std::size_t count, DataType type) {
  switch (type) {
    case DataType::kFp32: {
      auto* o = static_cast<float*>(out);
      const auto* x = static_cast<const float*>(a);
      const auto* y = static_cast<const float*>(b);
      for (std::size_t i = 0; i < count; ++i) o[i] = x[i] + y[i];
      return;
    }
    case DataType::kBf16:
      sum_16bit(static_cast<std::uint16_t*>(out), static_cast<const std::uint16_t*>(a),
                static_cast<const std::uint16_t*>(b), count, bf16_bits_to_float, float_to_bf16_bits);
      return;
    case DataType::kFp16:
      sum_16bit(static_cast<std::uint16_t*>(out), static_cast<const std::uint16_t*>(a),
                static_cast<const std::uint16_t*>(b), count, fp16_bits_to_float, float_to_fp16_bits);
      return;
  }
}

void scale_in_place(void* data, std::size_t count, DataType type, float factor) {
  switch (type) {
    case DataType::kFp32: {
      auto* d = static_cast<float*>(data);
      for (std::size_t i = 0; i < count; ++i) d[i] *= factor;
      return;
    }
    case DataType::kBf16:
      scale_16bit(static_cast<std::uint16_t*>(data), count, factor, bf16_bits_to_float, float_to_bf16_bits);
      return;
    case DataType::kFp16:
      scale_16bit(static_cast<std::uint16_t*>(data), count, factor, fp16_bits_to_float, float_to_fp16_bits);
      return;
  }
}

}  // namespace zl::comm
