// LossScaler against hand-computed traces of DeepSpeed's DynamicLossScaler.update_scale
// (deepspeed/runtime/fp16/loss_scaler.py): hysteresis, growth after loss_scale_window good iterations
// counted from the last overflow, consecutive_hysteresis, the clamp at min_loss_scale and the error
// when the minimum is reached, and the static scale.
#include "zl/engine/loss_scaler.h"

#include <gtest/gtest.h>

#include <vector>

#include "zl/base/error.h"

namespace zl::engine {
namespace {

config::Fp16Settings dynamic(int power, int window, int hysteresis, double min_scale, bool consecutive) {
  config::Fp16Settings f;
  f.enabled = true;
  f.loss_scale = 0;
  f.initial_scale_power = power;
  f.loss_scale_window = window;
  f.hysteresis = hysteresis;
  f.min_loss_scale = min_scale;
  f.consecutive_hysteresis = consecutive;
  return f;
}

// The scale after each update for the given overflow pattern.
std::vector<double> trace(LossScaler scaler, const std::vector<bool>& overflows) {
  std::vector<double> out;
  for (const bool o : overflows) {
    scaler.update(o);
    out.push_back(scaler.scale());
  }
  return out;
}

TEST(LossScaler, HysteresisThenHalvingThenGrowthAfterTheWindow) {
  // 2^4, window 3, hysteresis 2. By hand (iter: event -> hysteresis, scale):
  // 0: O -> 1, 16 | 1: O -> 8 | 2: O -> 4 | 3: G ((3-2)%3=1) | 4: G (2) | 5: G (3%3=0 -> x2, hysteresis 2) 8
  // 6: O -> hysteresis 1, 8 | 7, 8: G | 9: G ((9-6)%3=0) -> 16 | 10: G 16
  const auto got = trace(LossScaler::from(dynamic(4, 3, 2, 1, false)),
                         {true, true, true, false, false, false, true, false, false, false, false});
  EXPECT_EQ(got, (std::vector<double>{16, 8, 4, 4, 4, 8, 8, 8, 8, 16, 16}));
}

TEST(LossScaler, ConsecutiveHysteresisRestoresAfterEveryGoodIteration) {
  // 2^4, window 1000, hysteresis 2, consecutive: 0: O -> h1 16 | 1: O -> 8 | 2: G -> h2 | 3: O -> h1 8 | 4: O -> 4
  const auto got = trace(LossScaler::from(dynamic(4, 1000, 2, 1, true)), {true, true, false, true, true});
  EXPECT_EQ(got, (std::vector<double>{16, 8, 8, 8, 4}));
  // Without consecutive_hysteresis the good iteration does not restore it: 3: O -> 4 already.
  const auto plain = trace(LossScaler::from(dynamic(4, 1000, 2, 1, false)), {true, true, false, true, true});
  EXPECT_EQ(plain, (std::vector<double>{16, 8, 8, 4, 2}));
}

TEST(LossScaler, GrowsAfterWindowGoodIterationsFromTheStart) {
  // last_overflow_iter starts at -1: iteration 1 has (1 - -1) % 2 == 0.
  const auto got = trace(LossScaler::from(dynamic(2, 2, 1, 1, false)), {false, false, false, false});
  EXPECT_EQ(got, (std::vector<double>{4, 8, 8, 16}));
}

TEST(LossScaler, ClampsAtTheMinimumThenFailsWithAClearError) {
  LossScaler scaler = LossScaler::from(dynamic(3, 1000, 1, 5, false));
  scaler.update(true);
  EXPECT_EQ(scaler.scale(), 5);  // max(8 / 2, 5)
  try {
    scaler.update(true);
    FAIL() << "no error at the minimum scale";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fp16 loss scale would fall below min_loss_scale=5; the gradients overflow "
                                         "at every step"),
              std::string::npos)
        << e.what();
  }
}

TEST(LossScaler, StaticScaleNeverChanges) {
  config::Fp16Settings f = dynamic(16, 2, 1, 1, false);
  f.loss_scale = 128;
  LossScaler scaler = LossScaler::from(f);
  EXPECT_EQ(scaler.kind(), LossScaler::Kind::kStatic);
  EXPECT_EQ(trace(scaler, {true, false, false, true, false}), (std::vector<double>{128, 128, 128, 128, 128}));
}

TEST(LossScaler, StateRoundTrips) {
  LossScaler a = LossScaler::from(dynamic(4, 3, 2, 1, false));
  a.update(true);
  a.update(false);
  LossScaler b = LossScaler::from(dynamic(4, 3, 2, 1, false));
  b.restore(a.state());
  const std::vector<bool> rest = {true, false, false, false, true};
  EXPECT_EQ(trace(a, rest), trace(b, rest));
}

}  // namespace
}  // namespace zl::engine
