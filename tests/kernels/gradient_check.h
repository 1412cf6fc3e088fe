// Test support for kernel gradients: central finite differences of a scalar probe loss
// L = sum_i out_i * r_i (r fixed and random), accumulated in double. A backward given dout = r must
// produce dL/dx for every input x; expect_gradient_matches compares element by element with the
// tolerance |analytic - numeric| <= atol + rtol * |numeric|.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace zl::kernels::testing {

inline std::vector<float> random_vector(std::size_t n, std::uint32_t seed, float lo = -1.0F, float hi = 1.0F) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

inline double probe(const std::vector<float>& out, const std::vector<float>& r) {
  double s = 0.0;
  for (std::size_t i = 0; i < out.size(); ++i) s += static_cast<double>(out[i]) * r[i];
  return s;
}

struct Tolerance {
  double atol = 2e-3;
  double rtol = 1e-2;
  float step = 1e-2F;
};

// `loss` re-runs the forward with the current contents of `x` and returns the probe loss.
inline void expect_gradient_matches(const std::string& what, std::vector<float>& x, const std::vector<float>& analytic,
                                    const std::function<double()>& loss, Tolerance tol = {}) {
  ASSERT_EQ(x.size(), analytic.size()) << what;
  int failures = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float saved = x[i];
    x[i] = saved + tol.step;
    const double plus = loss();
    x[i] = saved - tol.step;
    const double minus = loss();
    x[i] = saved;
    const double numeric = (plus - minus) / (2.0 * static_cast<double>(tol.step));
    if (std::fabs(analytic[i] - numeric) > tol.atol + tol.rtol * std::fabs(numeric) && failures++ < 5) {
      ADD_FAILURE() << what << "[" << i << "]: analytic " << analytic[i] << " vs numeric " << numeric;
    }
  }
  EXPECT_EQ(failures, 0) << what;
}

}  // namespace zl::kernels::testing
