// Per-element softmax backward shared by the attention twins (kernels/cpu/attention.cc,
// kernels/cuda/attention.cu): given p = softmax(s) and dp = dL/dp for one row, and the row's
// dot = sum_j p_j dp_j, dL/ds_i = p_i (dp_i - dot); attention folds its 1/sqrt(hs) scale in.
#pragma once

#include "zl/kernels/host_device.h"

namespace zl::kernels::math {

ZL_HOST_DEVICE float softmax_grad(float p, float dp, float row_dot, float scale) { return scale * p * (dp - row_dot); }

}  // namespace zl::kernels::math
