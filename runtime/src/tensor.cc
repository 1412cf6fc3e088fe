// Tensor views over accounted blocks; dtype conversion through the cast kernels.
#include "zl/runtime/tensor.h"

#include <cstring>
#include <sstream>
#include <vector>

#include "zl/base/check.h"
#include "zl/kernels/cast.h"
#include "zl/kernels/math/cast_math.h"
#include "zl/runtime/device_ops.h"

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

Tensor Tensor::pinned_zeros(const Shape& shape, DType dtype, MemoryKind kind, Allocator& allocator) {
  const auto bytes = static_cast<std::size_t>(shape_numel(shape)) * dtype_size(dtype);
  Tensor t(allocator.allocate_pinned(bytes, kind), 0, shape, dtype);
  t.fill_zero();
  return t;
}

Tensor Tensor::host_zeros(const Shape& shape, DType dtype, MemoryKind kind, bool pinned, Allocator& allocator) {
  return pinned ? pinned_zeros(shape, dtype, kind, allocator) : zeros(shape, dtype, kind, Device::kCpu, allocator);
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

float* Tensor::ptr_f32() const {
  ZL_CHECK(dtype_ == DType::kF32, "ptr_f32() of a " << to_string(dtype_) << " tensor");
  return static_cast<float*>(raw());
}

std::uint16_t* Tensor::ptr_bits16() const {
  ZL_CHECK(dtype_ != DType::kF32, "ptr_bits16() of an fp32 tensor");
  return static_cast<std::uint16_t*>(raw());
}

const kernels::Ops& Tensor::ops() const { return ops_for(device()); }

void Tensor::fill_zero() const {
  if (numel_ == 0) return;
  ops().zero(raw(), bytes());
}

void Tensor::fill(float value) const {
  if (device() != Device::kCpu) {
    const Tensor host = empty(shape_, dtype_, MemoryKind::kBuffers, Device::kCpu);
    host.fill(value);
    copy_from(host);
    return;
  }
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

// On the GPU between fp32 and a 16-bit type (the cast kernels); nothing else is needed on the device.
void convert_on_device(const Tensor& source, const Tensor& target) {
  const kernels::Ops& ops = target.ops();
  const auto n = static_cast<std::size_t>(target.numel());
  ZL_CHECK(source.dtype() == DType::kF32 || target.dtype() == DType::kF32,
           "copy_from: " << to_string(source.dtype()) << " to " << to_string(target.dtype()) << " on the GPU");
  if (source.dtype() == DType::kF32) {
    (target.dtype() == DType::kBF16 ? ops.cast_fp32_to_bf16 : ops.cast_fp32_to_fp16)(source.ptr_f32(),
                                                                                     target.ptr_bits16(), n);
  } else {
    (source.dtype() == DType::kBF16 ? ops.cast_bf16_to_fp32 : ops.cast_fp16_to_fp32)(source.ptr_bits16(),
                                                                                     target.ptr_f32(), n);
  }
}

}  // namespace

void Tensor::copy_from(const Tensor& source) const {
  ZL_CHECK(source.numel() == numel_, "copy_from: " << source.numel() << " elements into " << numel_);
  if (numel_ == 0) return;
  const auto n = static_cast<std::size_t>(numel_);
  if (device() == Device::kCpu && source.device() == Device::kCpu) {
    convert_host(source.raw(), source.dtype(), raw(), dtype_, n);
  } else if (device() == source.device()) {
    if (source.dtype() == dtype_) {
      ops().copy(raw(), source.raw(), bytes());
    } else {
      convert_on_device(source, *this);
    }
  } else if (device() != Device::kCpu) {  // host -> device: convert on the host, then one copy
    if (source.dtype() == dtype_) {
      ops().upload(raw(), source.raw(), bytes());
    } else {
      std::vector<char> staged(bytes());
      convert_host(source.raw(), source.dtype(), staged.data(), dtype_, n);
      ops().upload(raw(), staged.data(), bytes());
    }
  } else {  // device -> host: one copy, then convert on the host
    if (source.dtype() == dtype_) {
      source.ops().download(raw(), source.raw(), bytes());
    } else {
      std::vector<char> staged(source.bytes());
      source.ops().download(staged.data(), source.raw(), source.bytes());
      convert_host(staged.data(), source.dtype(), raw(), dtype_, n);
    }
  }
}

Tensor Tensor::on_host(Allocator& allocator) const {
  if (device() == Device::kCpu) return *this;
  Tensor host = empty(shape_, dtype_, MemoryKind::kBuffers, Device::kCpu, allocator);
  host.copy_from(*this);
  return host;
}

Tensor Tensor::to(DType dtype, Allocator& allocator) const {
  Tensor out = empty(shape_, dtype, kind(), device(), allocator);
  out.copy_from(*this);
  return out;
}

}  // namespace zl::runtime
