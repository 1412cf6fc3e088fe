// Test support for the GPU parity tests (<op>_cuda_test.cc): a fixture that skips, printing the
// reason, where no GPU is visible; device buffers placed at an element offset from a 256-byte aligned
// allocation (offset 1 or 3 defeats the float4 paths, offset 0 takes them); and comparisons that
// report the first mismatches. Every parity test runs the cpu:: twin and the cuda:: twin on the same
// inputs and compares under the tolerance its file states.
#pragma once

#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "zl/device/accelerator_info.h"

namespace zl::kernels::testing {

class CudaParityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto info = device::query_accelerators();
    if (info.gpus.empty()) GTEST_SKIP() << "no GPU visible: " << info.no_gpu_reason;
  }
  void TearDown() override {
    if (!IsSkipped()) {
      ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    }
  }
};

// Lengths that exercise the scalar tail, length 1, and many grid-stride rounds.
inline const std::vector<std::size_t> kParitySizes = {1, 2, 3, 4, 5, 7, 8, 31, 1023, 4097, 100003};
// Element offsets from an aligned allocation: 0 takes the float4 paths, 1 and 3 do not.
inline const std::vector<std::size_t> kParityOffsets = {0, 1, 3};

// n elements of T on the device, starting `offset` elements into their allocation.
template <typename T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(std::size_t n, std::size_t offset = 0) : n_(n) {
    EXPECT_EQ(cudaMalloc(&base_, (n + offset + 1) * sizeof(T)), cudaSuccess);
    data_ = base_ + offset;
  }
  DeviceBuffer(const std::vector<T>& host, std::size_t offset = 0) : DeviceBuffer(host.size(), offset) { upload(host); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { cudaFree(base_); }

  T* get() const { return data_; }
  void upload(const std::vector<T>& host) {
    ASSERT_EQ(host.size(), n_);
    ASSERT_EQ(cudaMemcpy(data_, host.data(), n_ * sizeof(T), cudaMemcpyHostToDevice), cudaSuccess);
  }
  std::vector<T> download() const {
    std::vector<T> host(n_);
    EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(host.data(), data_, n_ * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
    return host;
  }

 private:
  T* base_ = nullptr;
  T* data_ = nullptr;
  std::size_t n_;
};

// Same bits in every element (NaNs included).
inline void expect_bitwise_equal(const std::vector<float>& gpu, const std::vector<float>& cpu,
                                 const std::string& what) {
  ASSERT_EQ(gpu.size(), cpu.size()) << what;
  int failures = 0;
  for (std::size_t i = 0; i < gpu.size(); ++i) {
    if (std::memcmp(&gpu[i], &cpu[i], sizeof(float)) != 0 && failures++ < 5) {
      ADD_FAILURE() << what << "[" << i << "]: gpu " << gpu[i] << " cpu " << cpu[i];
    }
  }
  EXPECT_EQ(failures, 0) << what << " (n = " << gpu.size() << ")";
}

// |gpu - cpu| <= atol + rtol * |cpu| in every element.
inline void expect_close(const std::vector<float>& gpu, const std::vector<float>& cpu, double rtol, double atol,
                         const std::string& what) {
  ASSERT_EQ(gpu.size(), cpu.size()) << what;
  int failures = 0;
  for (std::size_t i = 0; i < gpu.size(); ++i) {
    const double diff = std::fabs(static_cast<double>(gpu[i]) - cpu[i]);
    if (!(diff <= atol + rtol * std::fabs(static_cast<double>(cpu[i]))) && failures++ < 5) {
      ADD_FAILURE() << what << "[" << i << "]: gpu " << gpu[i] << " cpu " << cpu[i] << " diff " << diff;
    }
  }
  EXPECT_EQ(failures, 0) << what << " (n = " << gpu.size() << ")";
}

inline std::string case_name(std::size_t n, std::size_t offset) {
  return "n=" + std::to_string(n) + " offset=" + std::to_string(offset);
}

}  // namespace zl::kernels::testing
