// Tensor views over accounted blocks; dtype conversion through the cast kernels.
#include "zl/runtime/tensor.h"

#include <cstring>
#include <sstream>
#include <vector>

#include "zl/base/check.h"
#include "zl/kernels/cast.h"
#include "zl/kernels/math/cast_math.h"
#if defined(ZL_RUNTIME_HAVE_CUDA)
#include "zl/kernels/device_memory.h"
#endif

namespace zl::runtime {

std::int64_t shape_numel(const Shape& shape) {
  std::int64_t n = 1;
  for (const std::int64_t d : shape) {
    ZL_CHECK(d >= 0, "negative dimension in shape " << shape_string(shape));
    n *= d;
  }
  return n;
}

std::string shape_string(const Shape& shape) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

Tensor::Tensor(std::shared_ptr<Block> block, std::int64_t offset, Shape shape, DType dtype)
    : block_(std::move(block)), offset_(offset), shape_(std::move(shape)), numel_(shape_numel(shape_)), dtype_(dtype) {}

Tensor Tensor::empty(const Shape& shape, DType dtype, MemoryKind kind, Device device, Allocator& allocator) {
  const auto bytes = static_cast<std::size_t>(shape_numel(shape)) * dtype_size(dtype);
  return Tensor(allocator.allocate(bytes, kind, device), 0, shape, dtype);
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, MemoryKind kind, Device device, Allocator& allocator) {
  Tensor t = empty(shape, dtype, kind, device, allocator);
  t.fill_zero();
  return t;
}

Tensor Tensor::view(std::int64_t offset, const Shape& shape) const {
  ZL_CHECK(defined(), "view of an undefined tensor");
  const std::int64_t n = shape_numel(shape);
  ZL_CHECK(offset >= 0 && offset + n <= numel_,
           "view [" << offset << ", " << offset + n << ") outside a tensor of " << numel_ << " elements");
  return Tensor(block_, offset_ + offset, shape, dtype_);
}

Tensor Tensor::reshape(const Shape& shape) const {
  ZL_CHECK(shape_numel(shape) == numel_, "reshape " << shape_string(shape_) << " -> " << shape_string(shape));
  return Tensor(block_, offset_, shape, dtype_);
}

Device Tensor::device() const { return block_ ? block_->device() : Device::kCpu; }
MemoryKind Tensor::kind() const { return block_ ? block_->kind() : MemoryKind::kBuffers; }

void* Tensor::raw() const {
  ZL_CHECK(defined(), "data of an undefined tensor");
  return static_cast<char*>(block_->data()) + offset_ * static_cast<std::int64_t>(dtype_size(dtype_));
}

void Tensor::require_host(const char* what) const {
  ZL_CHECK(defined(), what << " of an undefined tensor");
  ZL_CHECK(device() == Device::kCpu, what << " of a " << to_string(device()) << " tensor on the host");
}

float* Tensor::f32() const {
  require_host("f32()");
  ZL_CHECK(dtype_ == DType::kF32, "f32() of a " << to_string(dtype_) << " tensor");
  return static_cast<float*>(raw());
}

std::uint16_t* Tensor::bits16() const {
  require_host("bits16()");
  ZL_CHECK(dtype_ != DType::kF32, "bits16() of an fp32 tensor");
  return static_cast<std::uint16_t*>(raw());
}

void Tensor::fill_zero() const {
  if (numel_ == 0) return;
  if (device() == Device::kCuda) {
#if defined(ZL_RUNTIME_HAVE_CUDA)
    kernels::cuda::device_fill_zero(raw(), bytes());
#endif
    return;
  }
  std::memset(raw(), 0, bytes());
}

void Tensor::fill(float value) const {
  require_host("fill()");
  if (dtype_ == DType::kF32) {
    float* p = f32();
    for (std::int64_t i = 0; i < numel_; ++i) p[i] = value;
    return;
  }
  const std::uint16_t bits =
      dtype_ == DType::kBF16 ? kernels::math::float_to_bf16_bits(value) : kernels::math::float_to_fp16_bits(value);
  std::uint16_t* p = bits16();
  for (std::int64_t i = 0; i < numel_; ++i) p[i] = bits;
}

namespace {

// Host-to-host conversion between any two dtypes; fp32 is the hub.
void convert_host(const void* in, DType in_type, void* out, DType out_type, std::size_t n) {
  if (in_type == out_type) {
    std::memcpy(out, in, n * dtype_size(in_type));
    return;
  }
  std::vector<float> hub;
  const float* f = nullptr;
  if (in_type == DType::kF32) {
    f = static_cast<const float*>(in);
  } else {
    hub.resize(n);
    const auto* bits = static_cast<const std::uint16_t*>(in);
    if (in_type == DType::kBF16)
      kernels::cpu::cast_bf16_to_fp32(bits, hub.data(), n);
    else
      kernels::cpu::cast_fp16_to_fp32(bits, hub.data(), n);
    f = hub.data();
  }
  if (out_type == DType::kF32) {
    std::memcpy(out, f, n * sizeof(float));
  } else if (out_type == DType::kBF16) {
    kernels::cpu::cast_fp32_to_bf16(f, static_cast<std::uint16_t*>(out), n);
  } else {
    kernels::cpu::cast_fp32_to_fp16(f, static_cast<std::uint16_t*>(out), n);
  }
}

}  // namespace

void Tensor::copy_from(const Tensor& source) const {
  ZL_CHECK(source.numel() == numel_, "copy_from: " << source.numel() << " elements into " << numel_);
  if (numel_ == 0) return;
  if (device() == Device::kCpu && source.device() == Device::kCpu) {
    convert_host(source.raw(), source.dtype(), raw(), dtype_, static_cast<std::size_t>(numel_));
    return;
  }
#if defined(ZL_RUNTIME_HAVE_CUDA)
  // Across devices: convert on the host side, then one memcpy.
  ZL_CHECK(source.dtype() == dtype_ || source.device() == Device::kCpu || device() == Device::kCpu,
           "copy_from: device-to-device conversion is not supported");
  if (device() == Device::kCuda && source.device() == Device::kCpu) {
    std::vector<char> staged(bytes());
    convert_host(source.raw(), source.dtype(), staged.data(), dtype_, static_cast<std::size_t>(numel_));
    kernels::cuda::copy_to_device(raw(), staged.data(), bytes());
  } else if (device() == Device::kCpu) {
    std::vector<char> staged(source.bytes());
    kernels::cuda::copy_to_host(staged.data(), source.raw(), source.bytes());
    convert_host(staged.data(), source.dtype(), raw(), dtype_, static_cast<std::size_t>(numel_));
  } else {
    std::vector<char> staged(bytes());
    kernels::cuda::copy_to_host(staged.data(), source.raw(), bytes());
    kernels::cuda::copy_to_device(raw(), staged.data(), bytes());
  }
#else
  ZL_CHECK(false, "copy_from: cuda tensors in a build without CUDA");
#endif
}

Tensor Tensor::to(DType dtype, Allocator& allocator) const {
  Tensor out = empty(shape_, dtype, kind(), device(), allocator);
  out.copy_from(*this);
  return out;
}

}  // namespace zl::runtime
