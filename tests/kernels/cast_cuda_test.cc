// cast on the GPU equals cast on the CPU bit for bit (both use cast_math.h). Labelled `cuda`: runs
// where a GPU is visible and skips with the reason elsewhere.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "zl/device/accelerator_info.h"
#include "zl/kernels/cast.h"

namespace zl::kernels {
namespace {

class CastCuda : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto info = device::query_accelerators();
    if (info.gpus.empty()) GTEST_SKIP() << "no GPU visible: " << info.no_gpu_reason;
  }
};

template <typename T>
T* device_copy(const std::vector<T>& host) {
  T* ptr = nullptr;
  EXPECT_EQ(cudaMalloc(&ptr, host.size() * sizeof(T)), cudaSuccess);
  EXPECT_EQ(cudaMemcpy(ptr, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice), cudaSuccess);
  return ptr;
}

template <typename T>
std::vector<T> host_copy(const T* ptr, std::size_t n) {
  std::vector<T> host(n);
  EXPECT_EQ(cudaMemcpy(host.data(), ptr, n * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
  return host;
}

TEST_F(CastCuda, MatchesCpuBitForBitOnRandomAndSpecialValues) {
  std::vector<float> values = {0.0f, -0.0f, 65504.0f, 65520.0f, 1e-8f, 3.4e38f, 1e-40f};
  std::mt19937 rng(11);
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int i = 0; i < 100003; ++i) {  // odd count: the grid-stride tail is exercised
    std::uint32_t u = bits(rng);
    float f;
    std::memcpy(&f, &u, sizeof f);
    values.push_back(f);
  }
  const std::size_t n = values.size();
  std::vector<std::uint16_t> cpu_bf16(n), cpu_fp16(n);
  cpu::cast_fp32_to_bf16(values.data(), cpu_bf16.data(), n);
  cpu::cast_fp32_to_fp16(values.data(), cpu_fp16.data(), n);

  float* d_in = device_copy(values);
  std::uint16_t* d_out = nullptr;
  ASSERT_EQ(cudaMalloc(&d_out, n * sizeof(std::uint16_t)), cudaSuccess);
  cuda::cast_fp32_to_bf16(d_in, d_out, n);
  EXPECT_EQ(host_copy(d_out, n), cpu_bf16);
  cuda::cast_fp32_to_fp16(d_in, d_out, n);
  EXPECT_EQ(host_copy(d_out, n), cpu_fp16);

  float* d_back = nullptr;
  ASSERT_EQ(cudaMalloc(&d_back, n * sizeof(float)), cudaSuccess);
  std::vector<float> cpu_back(n);
  cpu::cast_fp16_to_fp32(cpu_fp16.data(), cpu_back.data(), n);
  cuda::cast_fp16_to_fp32(d_out, d_back, n);
  const auto gpu_back = host_copy(d_back, n);
  EXPECT_EQ(std::memcmp(gpu_back.data(), cpu_back.data(), n * sizeof(float)), 0);
  cudaFree(d_in);
  cudaFree(d_out);
  cudaFree(d_back);
}

}  // namespace
}  // namespace zl::kernels
