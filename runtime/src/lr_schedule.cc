// DeepSpeed's learning-rate schedules (zl/runtime/lr_schedule.h).
#include "zl/runtime/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "zl/base/error.h"

namespace zl::runtime {

LrSchedule::LrSchedule(const config::SchedulerSettings& scheduler, double optimizer_lr)
    : s_(scheduler), base_lr_(optimizer_lr), warmup_(std::max<std::int64_t>(2, scheduler.warmup_num_steps)) {
  const config::SchedulerType t = s_.type;
  if ((t == config::SchedulerType::kWarmupDecayLR || t == config::SchedulerType::kWarmupCosineLR) &&
      s_.total_num_steps < s_.warmup_num_steps) {
    throw ConfigError("scheduler.params.total_num_steps (" + std::to_string(s_.total_num_steps) +
                      ") must be at least warmup_num_steps (" + std::to_string(s_.warmup_num_steps) + ")");
  }
}

double LrSchedule::warmup_gamma(std::int64_t step) const {
  if (s_.warmup_type == config::WarmupType::kLog)
    return std::log(static_cast<double>(step + 1)) / std::log(static_cast<double>(warmup_));
  return static_cast<double>(step) / static_cast<double>(warmup_);
}

double LrSchedule::lr(std::int64_t step) const {
  const config::SchedulerType t = s_.type;
  if (t == config::SchedulerType::kConstant) return base_lr_;
  if (t == config::SchedulerType::kWarmupCosineLR) {
    if (step < warmup_) {
      return base_lr_ * (s_.warmup_min_ratio + (1.0 - s_.warmup_min_ratio) * warmup_gamma(step));
    }
    const double real_step = static_cast<double>(step - warmup_ + 1);
    const double real_total = static_cast<double>(std::max<std::int64_t>(1, s_.total_num_steps - warmup_));
    const double cosine = (1.0 + std::cos(M_PI * std::min(1.0, real_step / real_total))) / 2.0;
    return base_lr_ * std::max(0.0, s_.cos_min_ratio + (1.0 - s_.cos_min_ratio) * cosine);
  }
  const double delta = s_.warmup_max_lr - s_.warmup_min_lr;
  if (step < warmup_) return s_.warmup_min_lr + delta * warmup_gamma(step);
  if (t == config::SchedulerType::kWarmupLR) return s_.warmup_max_lr;
  const double gamma = std::max(0.0, static_cast<double>(s_.total_num_steps - step) /
                                         static_cast<double>(std::max<std::int64_t>(1, s_.total_num_steps - warmup_)));
  return s_.warmup_min_lr + delta * gamma;
}

double LrSchedule::rate_after(std::int64_t applied) const {
  if (applied > 0 || s_.type == config::SchedulerType::kConstant) return lr(std::max<std::int64_t>(0, applied - 1));
  return s_.type == config::SchedulerType::kWarmupCosineLR ? 0.0 : s_.warmup_min_lr;
}

}  // namespace zl::runtime
