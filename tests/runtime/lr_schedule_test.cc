// LrSchedule: DeepSpeed's WarmupLR, WarmupDecayLR and WarmupCosineLR against values computed by hand
// from deepspeed/runtime/lr_schedules.py, and the error for a schedule shorter than its warmup. Unknown
// types and warmup types are configtool's errors (tests/configtool/validation_test.cc).
#include "zl/runtime/lr_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "zl/base/error.h"

namespace zl::runtime {
namespace {

config::SchedulerSettings settings(config::SchedulerType type) {
  config::SchedulerSettings s;
  s.type = type;
  s.warmup_min_lr = 0.001;
  s.warmup_max_lr = 0.011;
  s.warmup_num_steps = 10;
  s.total_num_steps = 20;
  return s;
}

TEST(LrSchedule, ConstantWithoutAScheduler) {
  const LrSchedule s(config::SchedulerSettings{}, 0.5);
  EXPECT_EQ(s.lr(0), 0.5);
  EXPECT_EQ(s.lr(1000), 0.5);
}

TEST(LrSchedule, WarmupLrLogAndLinear) {
  auto c = settings(config::SchedulerType::kWarmupLR);
  const LrSchedule log_warmup(c, 123.0);      // optimizer lr is ignored by WarmupLR
  EXPECT_DOUBLE_EQ(log_warmup.lr(0), 0.001);  // log(1) = 0
  EXPECT_DOUBLE_EQ(log_warmup.lr(4), 0.001 + 0.01 * std::log(5.0) / std::log(10.0));
  EXPECT_DOUBLE_EQ(log_warmup.lr(9), 0.001 + 0.01 * 1.0);  // log(10)/log(10)
  EXPECT_DOUBLE_EQ(log_warmup.lr(10), 0.011);
  EXPECT_DOUBLE_EQ(log_warmup.lr(500), 0.011);
  c.warmup_type = config::WarmupType::kLinear;
  const LrSchedule linear(c, 0.0);
  EXPECT_DOUBLE_EQ(linear.lr(3), 0.001 + 0.01 * 0.3);
}

TEST(LrSchedule, WarmupDecayLrDecaysLinearlyToMin) {
  auto c = settings(config::SchedulerType::kWarmupDecayLR);
  c.warmup_type = config::WarmupType::kLinear;
  const LrSchedule s(c, 0.0);
  EXPECT_DOUBLE_EQ(s.lr(5), 0.001 + 0.01 * 0.5);
  EXPECT_DOUBLE_EQ(s.lr(10), 0.011);               // (20 - 10) / (20 - 10) = 1
  EXPECT_DOUBLE_EQ(s.lr(15), 0.001 + 0.01 * 0.5);  // (20 - 15) / 10
  EXPECT_DOUBLE_EQ(s.lr(20), 0.001);
  EXPECT_DOUBLE_EQ(s.lr(30), 0.001);  // clamped at 0
}

TEST(LrSchedule, WarmupCosineLrIsARatioOfTheOptimizerLr) {
  auto c = settings(config::SchedulerType::kWarmupCosineLR);
  c.warmup_type = config::WarmupType::kLinear;
  c.warmup_min_ratio = 0.2;
  c.cos_min_ratio = 0.1;
  const LrSchedule s(c, 0.5);
  EXPECT_DOUBLE_EQ(s.lr(0), 0.5 * 0.2);
  EXPECT_DOUBLE_EQ(s.lr(5), 0.5 * (0.2 + 0.8 * 0.5));
  // real_last_step = 10 - 10 + 1 = 1, real_total = 10: ratio = 0.1 + 0.9 * (1 + cos(pi / 10)) / 2
  EXPECT_DOUBLE_EQ(s.lr(10), 0.5 * (0.1 + 0.9 * (1 + std::cos(M_PI / 10)) / 2));
  EXPECT_DOUBLE_EQ(s.lr(19), 0.5 * 0.1);  // cos(pi) = -1
  // Past total_num_steps the ratio stays at cos_min_ratio (DeepSpeed 0.19 clamps the progress to 1).
  EXPECT_DOUBLE_EQ(s.lr(25), 0.5 * 0.1);
  EXPECT_DOUBLE_EQ(s.lr(1000), 0.5 * 0.1);
}

// The rate each training step runs at, as DeepSpeed's engine applies the scheduler: the constructor's
// rate first, then get_lr() of the previous step.
TEST(LrSchedule, StepsRunAtTheRateDeepSpeedsEngineApplies) {
  const LrSchedule warmup(settings(config::SchedulerType::kWarmupLR), 1.0);
  EXPECT_DOUBLE_EQ(warmup.rate_after(0), 0.001);  // warmup_min_lr
  EXPECT_DOUBLE_EQ(warmup.rate_after(1), warmup.lr(0));
  EXPECT_DOUBLE_EQ(warmup.rate_after(7), warmup.lr(6));
  const LrSchedule cosine(settings(config::SchedulerType::kWarmupCosineLR), 0.5);
  EXPECT_DOUBLE_EQ(cosine.rate_after(0), 0.0);
  EXPECT_DOUBLE_EQ(cosine.rate_after(3), cosine.lr(2));
  const LrSchedule constant(config::SchedulerSettings{}, 0.5);
  EXPECT_DOUBLE_EQ(constant.rate_after(0), 0.5);
}

TEST(LrSchedule, WarmupOfOneStepIsRaisedToTwoAsDeepSpeedDoes) {
  auto c = settings(config::SchedulerType::kWarmupLR);
  c.warmup_num_steps = 1;
  const LrSchedule s(c, 0.0);
  EXPECT_DOUBLE_EQ(s.lr(0), 0.001);
  EXPECT_DOUBLE_EQ(s.lr(1), 0.011);
}

TEST(LrSchedule, ADecayShorterThanItsWarmupIsAConfigError) {
  auto d = settings(config::SchedulerType::kWarmupDecayLR);
  d.total_num_steps = 5;
  EXPECT_THROW(LrSchedule(d, 0.1), ConfigError);
}

}  // namespace
}  // namespace zl::runtime
