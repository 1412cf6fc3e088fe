// cast: fp32 <-> bf16 / fp16 over contiguous buffers, round to nearest even (math/cast_math.h).
//
// The cpu:: and cuda:: twins have the same names and parameters; cuda:: pointers are device pointers
// and the work is queued on the calling thread's current stream (zl/kernels/cuda_stream.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace zl::kernels {

namespace cpu {
void cast_fp32_to_bf16(const float* in, std::uint16_t* out, std::size_t n);
void cast_bf16_to_fp32(const std::uint16_t* in, float* out, std::size_t n);
void cast_fp32_to_fp16(const float* in, std::uint16_t* out, std::size_t n);
void cast_fp16_to_fp32(const std::uint16_t* in, float* out, std::size_t n);
}  // namespace cpu

namespace cuda {
void cast_fp32_to_bf16(const float* in, std::uint16_t* out, std::size_t n);
void cast_bf16_to_fp32(const std::uint16_t* in, float* out, std::size_t n);
void cast_fp32_to_fp16(const float* in, std::uint16_t* out, std::size_t n);
void cast_fp16_to_fp32(const std::uint16_t* in, float* out, std::size_t n);
}  // namespace cuda

}  // namespace zl::kernels
