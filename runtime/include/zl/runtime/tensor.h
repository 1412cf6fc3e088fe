// Tensor: a dense, contiguous, row-major view into an accounted Block (allocator.h).
//
// Ownership: a Tensor shares its Block (std::shared_ptr); views made by view()/reshape() share it too,
// so a flat buffer stays alive while any view of it exists. This is how a layer's parameters live in
// ONE flat buffer while each named parameter is a view of it (parameter_storage.h).
// Element access (f32(), bits16()) is host-only and checks the dtype and the device; device code passes
// ptr_f32()/ptr_bits16() (an address on the tensor's own device) to the kernels of ops().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "zl/kernels/ops.h"
#include "zl/runtime/allocator.h"
#include "zl/runtime/dtype.h"

namespace zl::runtime {

using Shape = std::vector<std::int64_t>;

[[nodiscard]] std::int64_t shape_numel(const Shape& shape);
[[nodiscard]] std::string shape_string(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;

  // Uninitialized, resp. zero-filled, storage accounted under `kind`.
  static Tensor empty(const Shape& shape, DType dtype, MemoryKind kind, Device device = Device::kCpu,
                      Allocator& allocator = default_allocator());
  static Tensor zeros(const Shape& shape, DType dtype, MemoryKind kind, Device device = Device::kCpu,
                      Allocator& allocator = default_allocator());
  // Zero-filled host storage in page-locked memory (Allocator::allocate_pinned).
  static Tensor pinned_zeros(const Shape& shape, DType dtype, MemoryKind kind,
                             Allocator& allocator = default_allocator());
  // Zero-filled host storage: page-locked when `pinned` (DeepSpeed's offload pin_memory), else pageable.
  static Tensor host_zeros(const Shape& shape, DType dtype, MemoryKind kind, bool pinned,
                           Allocator& allocator = default_allocator());

  // A view of `shape` starting `offset` elements into this tensor's elements; must lie within it.
  [[nodiscard]] Tensor view(std::int64_t offset, const Shape& shape) const;
  // The same elements with another shape of the same element count.
  [[nodiscard]] Tensor reshape(const Shape& shape) const;

  [[nodiscard]] bool defined() const { return block_ != nullptr; }
  [[nodiscard]] const Shape& shape() const { return shape_; }
  [[nodiscard]] std::int64_t dim(std::size_t i) const { return shape_.at(i); }
  [[nodiscard]] std::int64_t numel() const { return numel_; }
  [[nodiscard]] std::size_t bytes() const { return static_cast<std::size_t>(numel_) * dtype_size(dtype_); }
  [[nodiscard]] DType dtype() const { return dtype_; }
  [[nodiscard]] Device device() const;
  [[nodiscard]] MemoryKind kind() const;
  // True when both tensors view the same Block (not necessarily the same range).
  [[nodiscard]] bool shares_storage_with(const Tensor& other) const { return block_ == other.block_; }

  [[nodiscard]] void* raw() const;
  [[nodiscard]] float* f32() const;             // dtype fp32, host
  [[nodiscard]] std::uint16_t* bits16() const;  // dtype bf16 or fp16, host
  // The same elements on the tensor's own device (host or device address), for the kernels of ops().
  [[nodiscard]] float* ptr_f32() const;             // dtype fp32
  [[nodiscard]] std::uint16_t* ptr_bits16() const;  // dtype bf16 or fp16
  // The kernel table of the tensor's device (zl/runtime/device_ops.h).
  [[nodiscard]] const kernels::Ops& ops() const;

  void fill_zero() const;
  void fill(float value) const;  // converts to the tensor's dtype
  // Copies `source` (same element count, any dtype, any device) into this tensor, converting the
  // element type with the cast kernels (on the GPU when both tensors are there). Between host and device
  // it returns when the copy is complete (zl/kernels/device_memory.h).
  void copy_from(const Tensor& source) const;
  // This tensor when it is on the host; otherwise a host copy (MemoryKind::kBuffers) of it. For code
  // that reads elements on the host (checkpoints, evaluation, tests).
  [[nodiscard]] Tensor on_host(Allocator& allocator = default_allocator()) const;
  // A new tensor (same shape, kind and device) holding this one converted to `dtype`.
  [[nodiscard]] Tensor to(DType dtype, Allocator& allocator = default_allocator()) const;

 private:
  Tensor(std::shared_ptr<Block> block, std::int64_t offset, Shape shape, DType dtype);
  void require_host(const char* what) const;

  std::shared_ptr<Block> block_;
  std::int64_t offset_ = 0;  // elements from the start of the block
  Shape shape_;
  std::int64_t numel_ = 0;
  DType dtype_ = DType::kF32;
};

}  // namespace zl::runtime
