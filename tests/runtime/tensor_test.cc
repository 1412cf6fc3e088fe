// Tensors: views share one flat buffer, dtype round trips through the cast kernels, the allocator
// counts exactly the requested bytes by kind and device, and cuda without a GPU is a clear error.
#include "zl/runtime/tensor.h"

#include <gtest/gtest.h>

#include "zl/base/error.h"
#include "zl/device/accelerator_info.h"

namespace zl::runtime {
namespace {

TEST(Tensor, ViewsShareTheFlatBuffer) {
  Allocator allocator;
  Tensor flat = Tensor::zeros({10}, DType::kF32, MemoryKind::kParams, Device::kCpu, allocator);
  Tensor a = flat.view(0, {2, 3});
  Tensor b = flat.view(6, {4});
  a.f32()[5] = 7.0F;
  b.f32()[0] = 9.0F;
  EXPECT_EQ(flat.f32()[5], 7.0F);
  EXPECT_EQ(flat.f32()[6], 9.0F);
  EXPECT_TRUE(a.shares_storage_with(flat));
  EXPECT_EQ(a.numel(), 6);
  EXPECT_EQ(b.view(1, {3}).f32(), flat.f32() + 7);
  EXPECT_EQ(flat.reshape({2, 5}).dim(1), 5);
  EXPECT_THROW((void)flat.view(8, {3}), zl::Error);
  EXPECT_THROW((void)flat.reshape({3, 3}), zl::Error);
}

TEST(Tensor, ViewKeepsTheBufferAliveAndTheBytesCounted) {
  Allocator allocator;
  Tensor view;
  {
    Tensor flat = Tensor::empty({100}, DType::kF32, MemoryKind::kGrads, Device::kCpu, allocator);
    view = flat.view(50, {50});
  }
  EXPECT_EQ(allocator.stats().current_bytes(MemoryKind::kGrads), 400);
  view = Tensor();
  EXPECT_EQ(allocator.stats().current_bytes(MemoryKind::kGrads), 0);
}

TEST(Tensor, ConvertsBetweenDtypesWithRoundToNearestEven) {
  Allocator allocator;
  Tensor x = Tensor::empty({4}, DType::kF32, MemoryKind::kBuffers, Device::kCpu, allocator);
  const float values[4] = {1.0F, -2.5F, 1.0F + 1.0F / 256.0F, 65504.0F};
  for (int i = 0; i < 4; ++i) x.f32()[i] = values[i];
  Tensor h = x.to(DType::kF16, allocator);
  Tensor b = x.to(DType::kBF16, allocator);
  EXPECT_EQ(h.bits16()[0], 0x3c00);
  EXPECT_EQ(h.bits16()[1], 0xc100);
  EXPECT_EQ(h.bits16()[3], 0x7bff);
  EXPECT_EQ(b.bits16()[0], 0x3f80);
  EXPECT_EQ(b.bits16()[2], 0x3f80);  // 1 + 2^-8 is a tie in bf16: rounds to the even pattern
  Tensor back = h.to(DType::kF32, allocator);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(back.f32()[i], values[i]);
  Tensor bb = b.to(DType::kF16, allocator);  // 16-bit to 16-bit through fp32
  EXPECT_EQ(bb.bits16()[1], 0xc100);
  EXPECT_THROW((void)h.f32(), zl::Error);
  EXPECT_THROW((void)x.bits16(), zl::Error);
  EXPECT_EQ(allocator.stats().current_bytes(MemoryKind::kBuffers), 16 + 8 + 8 + 16 + 8);
}

TEST(Allocator, CountsRequestedBytesByKindWithPeaks) {
  Allocator allocator;
  {
    auto p = allocator.allocate(1000, MemoryKind::kParams);
    auto g = allocator.allocate(3, MemoryKind::kGrads);  // alignment padding is not counted
    {
      auto a = allocator.allocate(5000, MemoryKind::kActivations);
      const MemoryStats s = allocator.stats();
      EXPECT_EQ(s.current_bytes(MemoryKind::kParams), 1000);
      EXPECT_EQ(s.current_bytes(MemoryKind::kGrads), 3);
      EXPECT_EQ(s.total_current[0], 6003);
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a->data()) % Allocator::kAlignment, 0U);
    }
    auto o = allocator.allocate(2000, MemoryKind::kOptimizer);
    const MemoryStats s = allocator.stats();
    EXPECT_EQ(s.current_bytes(MemoryKind::kActivations), 0);
    EXPECT_EQ(s.peak_bytes(MemoryKind::kActivations), 5000);
    EXPECT_EQ(s.total_current[0], 3003);
    EXPECT_EQ(s.total_peak[0], 6003);  // peak of the sum, not the sum of peaks (which is 8003)
    allocator.reset_peaks();
    EXPECT_EQ(allocator.stats().peak_bytes(MemoryKind::kActivations), 0);
    EXPECT_EQ(allocator.stats().total_peak[0], 3003);
  }
  const MemoryStats s = allocator.stats();
  for (std::size_t k = 0; k < kMemoryKindCount; ++k) EXPECT_EQ(s.current[0][k], 0);
}

TEST(Allocator, CudaWithoutAGpuIsAnUnavailableError) {
  if (!device::query_accelerators().gpus.empty()) GTEST_SKIP() << "a GPU is visible; the error path needs none";
  Allocator allocator;
  try {
    (void)allocator.allocate(16, MemoryKind::kParams, Device::kCuda);
    FAIL() << "expected UnavailableError";
  } catch (const UnavailableError& e) {
    EXPECT_NE(std::string(e.what()).find("cuda"), std::string::npos) << e.what();
  }
  EXPECT_EQ(allocator.stats().total_current[1], 0);
}

TEST(Allocator, CudaRoundTripWhenAGpuIsPresent) {
  if (device::query_accelerators().gpus.empty()) GTEST_SKIP() << "no GPU visible on this machine";
  Allocator allocator;
  Tensor host = Tensor::empty({3}, DType::kF32, MemoryKind::kBuffers, Device::kCpu, allocator);
  for (int i = 0; i < 3; ++i) host.f32()[i] = 1.5F * static_cast<float>(i);
  Tensor dev = Tensor::empty({3}, DType::kBF16, MemoryKind::kParams, Device::kCuda, allocator);
  dev.copy_from(host);
  EXPECT_EQ(allocator.stats().current_bytes(MemoryKind::kParams, Device::kCuda), 6);
  Tensor back = Tensor::empty({3}, DType::kF32, MemoryKind::kBuffers, Device::kCpu, allocator);
  back.copy_from(dev);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(back.f32()[i], 1.5F * static_cast<float>(i));
}

}  // namespace
}  // namespace zl::runtime
