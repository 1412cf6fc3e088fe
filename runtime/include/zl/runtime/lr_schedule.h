// Learning-rate schedules with DeepSpeed's names, parameters and formulas (deepspeed/runtime/
// lr_schedules.py): WarmupLR, WarmupDecayLR, WarmupCosineLR, or a constant optimizer.lr for
// SchedulerType::kConstant.
//
// lr(i) is the rate of the optimizer step with 0-based index i, where DeepSpeed's
// last_batch_iteration = i. (DeepSpeed's engine applies get_lr(i) after step i; here step i uses it
// directly: the sequence of rates is the same, shifted by one step.)
//   WarmupLR:       i < warmup_num_steps: min + (max - min) * gamma(i), else max
//   WarmupDecayLR:  as WarmupLR during warmup, then min + (max - min) *
//                   max(0, (total - i) / max(1, total - warmup))
//   WarmupCosineLR: ratio(i) * optimizer.lr, ratio = warmup_min_ratio + (1 - warmup_min_ratio) * gamma(i)
//                   during warmup, then max(0, cos_min_ratio + (1 - cos_min_ratio) *
//                   (1 + cos(pi * (i - warmup + 1) / (total - warmup))) / 2)
// gamma(i) = log(i + 1) / log(warmup) for warmup_type log, i / warmup for linear; warmup_num_steps
// is raised to at least 2 (as DeepSpeed does; a log warmup over one step is undefined).
#pragma once

#include <cstdint>

#include "zl/config/resolved_config.h"

namespace zl::runtime {

class LrSchedule {
 public:
  // Throws zl::ConfigError naming scheduler.params.total_num_steps when a decaying schedule is shorter
  // than its warmup (total_num_steps 0, "the run's length", must be filled in by the caller first).
  LrSchedule(const config::SchedulerSettings& scheduler, double optimizer_lr);
  [[nodiscard]] double lr(std::int64_t step) const;

 private:
  [[nodiscard]] double warmup_gamma(std::int64_t step) const;
  config::SchedulerSettings s_;
  double base_lr_;
  std::int64_t warmup_;
};

}  // namespace zl::runtime
