// AdamW and Adam-with-L2 on the GPU equal the CPU bit for bit over several steps (math/optimizer_math.h
// evaluated one rounding per operation on both: CPU -ffp-contract=off, CUDA --fmad=false, IEEE sqrt
// and division; bias corrections from the same host function). The multi-tensor step equals the CPU's
// loop of single-tensor steps, across more tensors than one launch takes, with empty, length-1 and
// misaligned tensors. Tolerance: none (bitwise).
#include "zl/kernels/adamw.h"

#include <memory>

#include "cuda_parity.h"
#include "gradient_check.h"

namespace zl::kernels {
namespace {

using testing::case_name;
using testing::DeviceBuffer;

class AdamWCuda : public testing::CudaParityTest {};

AdamHyper hyper(std::int64_t step) {
  AdamHyper h;
  h.lr = 3e-3F;
  h.beta1 = 0.9F;
  h.beta2 = 0.95F;
  h.eps = 1e-8F;
  h.weight_decay = 0.1F;
  h.step = step;
  return h;
}

TEST_F(AdamWCuda, SingleTensorStepsMatchCpuBitForBit) {
  for (const bool decoupled : {true, false}) {
    for (const std::size_t n : testing::kParitySizes) {
      for (const std::size_t offset : testing::kParityOffsets) {
        std::vector<float> p = testing::random_vector(n, 1), m(n, 0.0F), v(n, 0.0F);
        DeviceBuffer<float> d_p(p, offset), d_m(m, offset), d_v(v, offset), d_g(n, offset);
        for (std::int64_t step = 1; step <= 3; ++step) {
          const auto g = testing::random_vector(n, 100 + static_cast<std::uint32_t>(step));
          d_g.upload(g);
          if (decoupled) {
            cpu::adamw_step(p.data(), g.data(), m.data(), v.data(), n, hyper(step));
            cuda::adamw_step(d_p.get(), d_g.get(), d_m.get(), d_v.get(), n, hyper(step));
          } else {
            cpu::adam_l2_step(p.data(), g.data(), m.data(), v.data(), n, hyper(step));
            cuda::adam_l2_step(d_p.get(), d_g.get(), d_m.get(), d_v.get(), n, hyper(step));
          }
        }
        const std::string what = std::string(decoupled ? "adamw " : "adam_l2 ") + case_name(n, offset);
        testing::expect_bitwise_equal(d_p.download(), p, "param " + what);
        testing::expect_bitwise_equal(d_m.download(), m, "m " + what);
        testing::expect_bitwise_equal(d_v.download(), v, "v " + what);
      }
    }
  }
}

TEST_F(AdamWCuda, MultiTensorStepMatchesCpuLoopBitForBit) {
  // More tensors than one launch carries, sizes cycling through the edge cases and chunk boundaries.
  const std::vector<std::size_t> sizes = {0, 1, 3, 4, 5, 4095, 4096, 4097, 9000, 100003};
  const std::size_t count = kAdamMultiMaxTensors + 7;
  struct Host {
    std::vector<float> p, g, m, v;
  };
  std::vector<Host> host(count);
  std::vector<std::unique_ptr<DeviceBuffer<float>>> device;
  std::vector<AdamTensor> cpu_list(count), gpu_list(count);
  for (std::size_t t = 0; t < count; ++t) {
    const std::size_t n = sizes[t % sizes.size()];
    const std::size_t offset = testing::kParityOffsets[t % testing::kParityOffsets.size()];
    const auto seed = static_cast<std::uint32_t>(10 * t);
    host[t] = {testing::random_vector(n, seed), testing::random_vector(n, seed + 1),
               testing::random_vector(n, seed + 2, -0.1F, 0.1F), testing::random_vector(n, seed + 3, 0.0F, 0.01F)};
    for (auto* x : {&host[t].p, &host[t].g, &host[t].m, &host[t].v}) {
      device.push_back(std::make_unique<DeviceBuffer<float>>(*x, offset));
    }
    const std::size_t k = device.size() - 4;
    cpu_list[t] = {host[t].p.data(), host[t].g.data(), host[t].m.data(), host[t].v.data(), n};
    gpu_list[t] = {device[k]->get(), device[k + 1]->get(), device[k + 2]->get(), device[k + 3]->get(), n};
  }
  for (std::int64_t step = 4; step <= 5; ++step) {
    cpu::adamw_step_multi(cpu_list.data(), count, hyper(step));
    cuda::adamw_step_multi(gpu_list.data(), count, hyper(step));
  }
  for (std::size_t t = 0; t < count; ++t) {
    const std::string what = "tensor " + std::to_string(t) + " n=" + std::to_string(host[t].p.size());
    testing::expect_bitwise_equal(device[4 * t]->download(), host[t].p, "param " + what);
    testing::expect_bitwise_equal(device[4 * t + 2]->download(), host[t].m, "m " + what);
    testing::expect_bitwise_equal(device[4 * t + 3]->download(), host[t].v, "v " + what);
  }
}

}  // namespace
}  // namespace zl::kernels
