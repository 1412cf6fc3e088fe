// Element types and devices of runtime tensors.
//
// 16-bit formats (bf16, fp16) are stored as their raw bits in std::uint16_t and converted through the
// kernels' cast op (zl/kernels/cast.h), so host code never needs a half-precision C++ type.
#pragma once

#include <cstddef>
#include <string>

namespace zl::runtime {

enum class DType { kF32, kBF16, kF16 };
enum class Device { kCpu, kCuda };

[[nodiscard]] std::size_t dtype_size(DType dtype);
[[nodiscard]] const char* to_string(DType dtype);
[[nodiscard]] const char* to_string(Device device);
// "fp32"/"F32"/"float32", "bf16"/"BF16"/"bfloat16", "fp16"/"F16"/"float16"; throws zl::ConfigError naming
// `what` otherwise.
[[nodiscard]] DType parse_dtype(const std::string& text, const std::string& what);

}  // namespace zl::runtime
