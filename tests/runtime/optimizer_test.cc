// Optimizer: the factory's types, updates equal to the kernels' (one state buffer per flat buffer), and
// the exact optimizer-state bytes (AdamW 2 x 4 bytes per parameter, SGD 4). How a user may spell a type
// and the error for an unknown one are configtool's (tests/configtool/validation_test.cc).
#include "zl/runtime/optimizer.h"

#include <gtest/gtest.h>

#include "zl/base/error.h"
#include "zl/kernels/adamw.h"

namespace zl::runtime {
namespace {

TEST(Optimizer, CreatesTheThreeTypes) {
  config::OptimizerSettings s;
  for (const auto& [type, name] :
       {std::pair{config::OptimizerType::kAdamW, "AdamW"}, std::pair{config::OptimizerType::kAdam, "Adam"},
        std::pair{config::OptimizerType::kSgd, "SGD"}}) {
    s.type = type;
    EXPECT_EQ(Optimizer::create(s)->name(), name);
  }
}

TEST(Optimizer, AdamWMatchesTheKernelAndAccountsItsStatesExactly) {
  Allocator allocator;
  config::OptimizerSettings s;
  s.type = config::OptimizerType::kAdamW;
  s.lr = 0.01;
  s.weight_decay = 0.1;
  auto opt = Optimizer::create(s, allocator);
  std::vector<Tensor> params, grads;
  std::vector<std::vector<float>> ref_p, ref_m, ref_v;
  for (const std::int64_t n : {5, 3}) {
    params.push_back(Tensor::empty({n}, DType::kF32, MemoryKind::kParams, Device::kCpu, allocator));
    grads.push_back(Tensor::empty({n}, DType::kF32, MemoryKind::kGrads, Device::kCpu, allocator));
    for (std::int64_t i = 0; i < n; ++i) {
      params.back().f32()[i] = 0.1F * static_cast<float>(i + 1);
      grads.back().f32()[i] = 0.05F * static_cast<float>(i) - 0.1F;
    }
    ref_p.emplace_back(params.back().f32(), params.back().f32() + n);
    ref_m.emplace_back(n, 0.0F);
    ref_v.emplace_back(n, 0.0F);
  }
  for (int step = 1; step <= 3; ++step) {
    opt->step(params, grads, 0.01);
    kernels::cpu::AdamHyper h;
    h.lr = 0.01F;
    h.weight_decay = 0.1F;
    h.step = step;
    for (std::size_t b = 0; b < 2; ++b) {
      kernels::cpu::adamw_step(ref_p[b].data(), grads[b].f32(), ref_m[b].data(), ref_v[b].data(), ref_p[b].size(), h);
    }
  }
  for (std::size_t b = 0; b < 2; ++b) {
    for (std::size_t i = 0; i < ref_p[b].size(); ++i) EXPECT_EQ(params[b].f32()[i], ref_p[b][i]);
  }
  EXPECT_EQ(opt->steps_taken(), 3);
  EXPECT_EQ(allocator.stats().current_bytes(MemoryKind::kOptimizer), 2 * 4 * (5 + 3));
}

TEST(Optimizer, SgdKeepsOneMomentumBufferPerParameterBuffer) {
  Allocator allocator;
  config::OptimizerSettings s;
  s.type = config::OptimizerType::kSgd;
  s.momentum = 0.9;
  auto opt = Optimizer::create(s, allocator);
  Tensor p = Tensor::zeros({7}, DType::kF32, MemoryKind::kParams, Device::kCpu, allocator);
  Tensor g = Tensor::zeros({7}, DType::kF32, MemoryKind::kGrads, Device::kCpu, allocator);
  g.fill(1.0F);
  opt->step({p}, {g}, 0.1);
  opt->step({p}, {g}, 0.1);
  EXPECT_FLOAT_EQ(p.f32()[6], -0.1F - 0.19F);  // buf: 1, then 1.9
  EXPECT_EQ(allocator.stats().current_bytes(MemoryKind::kOptimizer), 4 * 7);
}

}  // namespace
}  // namespace zl::runtime
