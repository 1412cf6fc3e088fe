// The tied language-model head (zl/runtime/tied_head.h).
#include "zl/runtime/tied_head.h"

#include "zl/base/check.h"
#include "zl/kernels/cross_entropy.h"
#include "zl/kernels/matmul.h"

namespace zl::runtime {

double TiedHead::forward(const Tensor& wte, const Tensor& x, const std::int32_t* targets, std::int64_t N,
                         Allocator& allocator) {
  const Tensor all = buffer_.get(N * V_ + N, allocator);
  logits_ = all.view(0, {N, V_});
  losses_ = all.view(N * V_, {N});
  N_ = N;
  x_ = x;
  targets_ = targets;
  const int n = static_cast<int>(N);
  kernels::cpu::matmul_forward(logits_.f32(), x.f32(), wte.f32(), nullptr, n, C_, V_);
  if (targets == nullptr) return 0.0;
  return kernels::cpu::cross_entropy_forward(logits_.f32(), losses_.f32(), logits_.f32(), targets, n, V_);
}

void TiedHead::backward(const Tensor& wte, const Tensor& dwte, const Tensor& dx, float dloss) {
  ZL_CHECK(targets_ != nullptr, "head backward without a forward with targets");
  const int n = static_cast<int>(N_);
  // dlogits overwrite the probabilities in place: they are not needed afterwards.
  kernels::cpu::cross_entropy_backward(logits_.f32(), logits_.f32(), targets_, dloss, n, V_);
  dx.fill_zero();
  kernels::cpu::matmul_backward(dx.f32(), dwte.f32(), nullptr, logits_.f32(), x_.f32(), wte.f32(), n, C_, V_);
  targets_ = nullptr;
}

}  // namespace zl::runtime
