// adamw: AdamW and Adam-with-L2 against a double-precision transcription of torch.optim.AdamW/Adam over
// several steps, the known first step (|update| = lr when eps is negligible), and the vectorized,
// threaded steps against a plain scalar loop over the shared math (optimizer_math.h), bit for bit.
#include "zl/kernels/adamw.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "gradient_check.h"
#include "zl/kernels/math/optimizer_math.h"
#include "zl/kernels/optimizer_threads.h"

namespace zl::kernels {
namespace {

// torch.optim.AdamW / Adam (amsgrad=False, maximize=False), in double.
void reference_adam(std::vector<double>& p, const std::vector<float>& g, std::vector<double>& m, std::vector<double>& v,
                    const cpu::AdamHyper& h, bool decoupled) {
  const double bc1 = 1 - std::pow(static_cast<double>(h.beta1), h.step);
  const double bc2 = 1 - std::pow(static_cast<double>(h.beta2), h.step);
  for (std::size_t i = 0; i < p.size(); ++i) {
    double gi = g[i];
    if (decoupled)
      p[i] *= 1 - static_cast<double>(h.lr) * h.weight_decay;
    else
      gi += static_cast<double>(h.weight_decay) * p[i];
    m[i] = h.beta1 * m[i] + (1 - static_cast<double>(h.beta1)) * gi;
    v[i] = h.beta2 * v[i] + (1 - static_cast<double>(h.beta2)) * gi * gi;
    p[i] -= h.lr / bc1 * m[i] / (std::sqrt(v[i]) / std::sqrt(bc2) + h.eps);
  }
}

TEST(AdamW, FirstStepMovesEachWeightByLr) {
  std::vector<float> p = {1, -1, 0.5F}, g = {0.3F, -2, 1e-3F}, m(3, 0), v(3, 0);
  cpu::AdamHyper h;
  h.lr = 0.01F;
  h.eps = 1e-12F;
  cpu::adamw_step(p.data(), g.data(), m.data(), v.data(), 3, h);
  EXPECT_NEAR(p[0], 0.99, 1e-6);
  EXPECT_NEAR(p[1], -0.99, 1e-6);
  EXPECT_NEAR(p[2], 0.49, 1e-6);
}

TEST(AdamW, MatchesTorchSemanticsOverSteps) {
  for (const bool decoupled : {true, false}) {
    const std::size_t n = 13;
    auto p = testing::random_vector(n, 1);
    std::vector<double> pr(p.begin(), p.end()), mr(n, 0), vr(n, 0);
    std::vector<float> m(n, 0), v(n, 0);
    cpu::AdamHyper h;
    h.lr = 3e-3F;
    h.beta1 = 0.9F;
    h.beta2 = 0.95F;
    h.weight_decay = 0.1F;
    for (int step = 1; step <= 5; ++step) {
      h.step = step;
      const auto g = testing::random_vector(n, 100 + step);
      if (decoupled)
        cpu::adamw_step(p.data(), g.data(), m.data(), v.data(), n, h);
      else
        cpu::adam_l2_step(p.data(), g.data(), m.data(), v.data(), n, h);
      reference_adam(pr, g, mr, vr, h, decoupled);
    }
    for (std::size_t i = 0; i < n; ++i) EXPECT_NEAR(p[i], pr[i], 1e-6) << (decoupled ? "AdamW" : "Adam") << i;
  }
}

// The scalar reference: one element at a time over the shared math, as the pre-SIMD kernel was.
void scalar_adam(std::vector<float>& p, const std::vector<float>& g, std::vector<float>& m, std::vector<float>& v,
                 const cpu::AdamHyper& h, bool decoupled) {
  const math::AdamCorrections c = math::adam_corrections(h.beta1, h.beta2, h.step);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (decoupled)
      math::adamw_update(p[i], g[i], m[i], v[i], h.lr, h.beta1, h.beta2, h.eps, h.weight_decay, c.bias_correction1,
                         c.bias_correction2_sqrt);
    else
      math::adam_l2_update(p[i], g[i], m[i], v[i], h.lr, h.beta1, h.beta2, h.eps, h.weight_decay, c.bias_correction1,
                           c.bias_correction2_sqrt);
  }
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Restores the default thread count when a test ends, pass or fail.
struct OptimizerThreadsGuard {
  explicit OptimizerThreadsGuard(int t) { set_optimizer_threads(t); }
  ~OptimizerThreadsGuard() { set_optimizer_threads(0); }
  OptimizerThreadsGuard(const OptimizerThreadsGuard&) = delete;
  OptimizerThreadsGuard& operator=(const OptimizerThreadsGuard&) = delete;
};

// Three steps (so m and v are non-zero going in) of adamw_step / adam_l2_step / adamw_step_multi with
// n elements on `threads` threads, each against the scalar loop. n = 1000003 is prime: chunks of
// unequal sizes and a vector tail in every chunk.
TEST(AdamW, VectorizedThreadedStepEqualsScalarLoopBitForBit) {
  for (const std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{1000003}}) {
    for (const int threads : {1, 2, 3}) {
      for (const float wd : {0.0F, 0.1F}) {
        for (const int form : {0, 1, 2}) {  // adamw_step, adam_l2_step, adamw_step_multi (two halves)
          const OptimizerThreadsGuard guard(threads);
          const bool decoupled = form != 1;
          auto p = testing::random_vector(n, 7);
          std::vector<float> m(n, 0), v(n, 0);
          auto pr = p, mr = m, vr = v;
          cpu::AdamHyper h;
          h.lr = 3e-3F;
          h.beta2 = 0.95F;
          h.weight_decay = wd;
          for (int step = 1; step <= 3; ++step) {
            h.step = step;
            const auto g = testing::random_vector(n, 50 + step);
            if (form == 0) {
              cpu::adamw_step(p.data(), g.data(), m.data(), v.data(), n, h);
            } else if (form == 1) {
              cpu::adam_l2_step(p.data(), g.data(), m.data(), v.data(), n, h);
            } else {
              const std::size_t half = n / 2;
              const AdamTensor ts[2] = {{p.data(), g.data(), m.data(), v.data(), half},
                                        {p.data() + half, g.data() + half, m.data() + half, v.data() + half, n - half}};
              cpu::adamw_step_multi(ts, 2, h);
            }
            scalar_adam(pr, g, mr, vr, h, decoupled);
          }
          const char* what[] = {"adamw_step", "adam_l2_step", "adamw_step_multi"};
          EXPECT_TRUE(same_bits(p, pr)) << what[form] << " param n=" << n << " threads=" << threads << " wd=" << wd;
          EXPECT_TRUE(same_bits(m, mr)) << what[form] << " m n=" << n << " threads=" << threads << " wd=" << wd;
          EXPECT_TRUE(same_bits(v, vr)) << what[form] << " v n=" << n << " threads=" << threads << " wd=" << wd;
        }
      }
    }
  }
}

TEST(OptimizerThreads, SetCountOverridesAndZeroFollowsBlas) {
  set_optimizer_threads(3);
  EXPECT_EQ(optimizer_threads(), 3);
  set_optimizer_threads(0);
  EXPECT_GE(optimizer_threads(), 1);
}

// Every index in exactly one chunk, chunks contiguous, on as many threads as the size allows.
TEST(OptimizerThreads, ChunksCoverEveryElementOnceOnDistinctThreads) {
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{1000}}) {
    for (const int threads : {1, 2, 3, 8}) {
      std::vector<int> hits(n, 0);
      std::mutex mu;
      std::set<std::thread::id> ids;
      std::size_t chunks = 0;
      for_each_chunk(n, threads, 4, [&](std::size_t b, std::size_t e) {
        const std::lock_guard<std::mutex> lock(mu);
        ASSERT_LT(b, e);
        ASSERT_LE(e, n);
        for (std::size_t i = b; i < e; ++i) ++hits[i];
        ids.insert(std::this_thread::get_id());
        ++chunks;
      });
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i], 1) << "n=" << n << " threads=" << threads << " i=" << i;
      const std::size_t want = n == 0 ? 0 : std::min<std::size_t>(threads, std::max<std::size_t>(1, n / 4));
      EXPECT_EQ(chunks, want) << "n=" << n << " threads=" << threads;
      EXPECT_EQ(ids.size(), want) << "n=" << n << " threads=" << threads;
    }
  }
}

}  // namespace
}  // namespace zl::kernels
