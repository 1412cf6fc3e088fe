// Names and sizes of element types and devices.
#include "zl/runtime/dtype.h"

#include "zl/base/error.h"

namespace zl::runtime {

std::size_t dtype_size(DType dtype) { return dtype == DType::kF32 ? 4 : 2; }

const char* to_string(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "fp32";
    case DType::kBF16:
      return "bf16";
    case DType::kF16:
      return "fp16";
  }
  return "?";
}

const char* to_string(Device device) { return device == Device::kCpu ? "cpu" : "cuda"; }

DType parse_dtype(const std::string& text, const std::string& what) {
  if (text == "fp32" || text == "F32" || text == "float32") return DType::kF32;
  if (text == "bf16" || text == "BF16" || text == "bfloat16") return DType::kBF16;
  if (text == "fp16" || text == "F16" || text == "float16") return DType::kF16;
  throw ConfigError(what + ": unknown element type '" + text + "' (expected fp32, bf16 or fp16)");
}

}  // namespace zl::runtime
