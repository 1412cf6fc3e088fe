// mixed_round: the element-wise rounding of mixed-precision training (math/cast_math.h, round to nearest
// even), over contiguous buffers:
//   round_through_bf16 / round_through_fp16(x, n): x = widen(narrow(x)) in place: each fp32 value becomes
//     the nearest value the 16-bit format holds (a gradient as a 16-bit backward would produce it).
//   accumulate_bf16 / accumulate_fp16(acc, add, n): acc = narrow(widen(acc) + widen(narrow(add))) for
//     fp32 addends: each addend is first rounded to the format, the sum is formed in fp32 and rounded.
//   accumulate_bf16_bf16 / accumulate_fp16_fp16(acc, add, n): acc = narrow(widen(acc) + widen(add)) for
//     addends already in the format.
//
// The cpu:: and cuda:: twins have the same names and parameters and compute the same bits; cuda::
// pointers are device pointers and the work is queued on the calling thread's current stream
// (zl/kernels/cuda_stream.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace zl::kernels {

namespace cpu {
void round_through_bf16(float* x, std::size_t n);
void round_through_fp16(float* x, std::size_t n);
void accumulate_bf16(std::uint16_t* acc, const float* add, std::size_t n);
void accumulate_fp16(std::uint16_t* acc, const float* add, std::size_t n);
void accumulate_bf16_bf16(std::uint16_t* acc, const std::uint16_t* add, std::size_t n);
void accumulate_fp16_fp16(std::uint16_t* acc, const std::uint16_t* add, std::size_t n);
}  // namespace cpu

namespace cuda {
void round_through_bf16(float* x, std::size_t n);
void round_through_fp16(float* x, std::size_t n);
void accumulate_bf16(std::uint16_t* acc, const float* add, std::size_t n);
void accumulate_fp16(std::uint16_t* acc, const float* add, std::size_t n);
void accumulate_bf16_bf16(std::uint16_t* acc, const std::uint16_t* add, std::size_t n);
void accumulate_fp16_fp16(std::uint16_t* acc, const std::uint16_t* add, std::size_t n);
}  // namespace cuda

}  // namespace zl::kernels
