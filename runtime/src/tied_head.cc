// The tied language-model head (zl/runtime/tied_head.h).
#include "zl/runtime/tied_head.h"

#include "zl/base/check.h"

namespace zl::runtime {

double TiedHead::forward(const Tensor& wte, const Tensor& x, const std::int32_t* targets, std::int64_t N,
                         Allocator& allocator) {
  const Tensor all = buffer_.get(N * V_ + N, allocator, wte.device());
  logits_ = all.view(0, {N, V_});
  losses_ = all.view(N * V_, {N});
  N_ = N;
  x_ = x;
  targets_ = targets;
  const int n = static_cast<int>(N);
  const kernels::Ops& k = wte.ops();
  k.matmul_forward(logits_.ptr_f32(), x.ptr_f32(), wte.ptr_f32(), nullptr, n, C_, V_);
  if (targets == nullptr) return 0.0;
  return k.cross_entropy_forward(logits_.ptr_f32(), losses_.ptr_f32(), logits_.ptr_f32(), targets, n, V_);
}

void TiedHead::backward(const Tensor& wte, const Tensor& dwte, const Tensor& dx, float dloss) {
  ZL_CHECK(targets_ != nullptr, "head backward without a forward with targets");
  const int n = static_cast<int>(N_);
  // dlogits overwrite the probabilities in place: they are not needed afterwards.
  const kernels::Ops& k = wte.ops();
  k.cross_entropy_backward(logits_.ptr_f32(), logits_.ptr_f32(), targets_, dloss, n, V_);
  dx.fill_zero();
  k.matmul_backward(dx.ptr_f32(), dwte.ptr_f32(), nullptr, logits_.ptr_f32(), x_.ptr_f32(), wte.ptr_f32(), n, C_, V_);
  targets_ = nullptr;
}

}  // namespace zl::runtime
