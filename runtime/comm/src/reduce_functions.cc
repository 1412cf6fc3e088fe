// Vectorizable sum and scale for fp32, bf16 and fp16 buffers (see reduce_functions.h).
#include "zl/comm/reduce_functions.h"

#include <algorithm>
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

// Elements per tile of reduce_sources_into: the fp32 accumulator (4 KiB) stays in L1 while every source
// streams through it once.
constexpr std::size_t kTile = 1024;

// acc[0..n) = (or +=) source[0..n) in fp32; the type switch is outside the loops so each loop vectorizes.
void accumulate(float* acc, const void* source, std::size_t n, DataType type, bool first) {
  switch (type) {
    case DataType::kFp32: {
      const auto* s = static_cast<const float*>(source);
      if (first) {
        for (std::size_t i = 0; i < n; ++i) acc[i] = s[i];
      } else {
        for (std::size_t i = 0; i < n; ++i) acc[i] += s[i];
      }
      return;
    }
    case DataType::kBf16: {
      const auto* s = static_cast<const std::uint16_t*>(source);
      if (first) {
        for (std::size_t i = 0; i < n; ++i) acc[i] = bf16_bits_to_float(s[i]);
      } else {
        for (std::size_t i = 0; i < n; ++i) acc[i] += bf16_bits_to_float(s[i]);
      }
      return;
    }
    case DataType::kFp16: {
      const auto* s = static_cast<const std::uint16_t*>(source);
      if (first) {
        for (std::size_t i = 0; i < n; ++i) acc[i] = fp16_bits_to_float(s[i]);
      } else {
        for (std::size_t i = 0; i < n; ++i) acc[i] += fp16_bits_to_float(s[i]);
      }
      return;
    }
  }
}

void store_scaled(void* out, const float* acc, std::size_t n, DataType type, float factor) {
  switch (type) {
    case DataType::kFp32: {
      auto* o = static_cast<float*>(out);
      if (factor == 1.0f) {
        for (std::size_t i = 0; i < n; ++i) o[i] = acc[i];
      } else {
        for (std::size_t i = 0; i < n; ++i) o[i] = acc[i] * factor;
      }
      return;
    }
    case DataType::kBf16: {
      auto* o = static_cast<std::uint16_t*>(out);
      for (std::size_t i = 0; i < n; ++i) o[i] = float_to_bf16_bits(acc[i] * factor);
      return;
    }
    case DataType::kFp16: {
      auto* o = static_cast<std::uint16_t*>(out);
      for (std::size_t i = 0; i < n; ++i) o[i] = float_to_fp16_bits(acc[i] * factor);
      return;
    }
  }
}

}  // namespace

void reduce_sources_into(void* out, const void* const* sources, int source_count, std::size_t count, DataType type,
                         float factor) {
  const std::size_t esize = element_size(type);
  alignas(64) float acc[kTile];
  for (std::size_t begin = 0; begin < count; begin += kTile) {
    const std::size_t n = std::min(kTile, count - begin);
    for (int q = 0; q < source_count; ++q) {
      accumulate(acc, static_cast<const char*>(sources[q]) + begin * esize, n, type, q == 0);
    }
    store_scaled(static_cast<char*>(out) + begin * esize, acc, n, type, factor);
  }
}

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
