// Learning-rate schedules with DeepSpeed's names, parameters and formulas (deepspeed/runtime/
// lr_schedules.py): WarmupLR, WarmupDecayLR, WarmupCosineLR, or a constant optimizer.lr for
// SchedulerType::kConstant.
//
// lr(i) is DeepSpeed's get_lr() at last_batch_iteration = i. The rate a training step runs at is
// rate_after(applied): DeepSpeed's engine applies get_lr(i) after step i, so step n runs at lr(n - 1)
// and the first step at the rate the scheduler's constructor sets.
//   WarmupLR:       i < warmup_num_steps: min + (max - min) * gamma(i), else max
//   WarmupDecayLR:  as WarmupLR during warmup, then min + (max - min) *
//                   max(0, (total - i) / max(1, total - warmup))
//   WarmupCosineLR: ratio(i) * optimizer.lr, ratio = warmup_min_ratio + (1 - warmup_min_ratio) * gamma(i)
//                   during warmup, then max(0, cos_min_ratio + (1 - cos_min_ratio) *
//                   (1 + cos(pi * min(1, (i - warmup + 1) / (total - warmup)))) / 2), held at the
//                   floor past the end as DeepSpeed 0.19 does
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
  // The rate of the optimizer step that follows `applied` applied (not skipped) steps, as DeepSpeed's
  // engine sets it: before the first step the scheduler's constructor puts get_lr() at
  // last_batch_iteration -1 into the optimizer (warmup_min_lr for WarmupLR and WarmupDecayLR, 0 for
  // WarmupCosineLR, optimizer.lr without a scheduler); every applied step then calls
  // scheduler.step(), so a later step runs at lr(applied - 1).
  [[nodiscard]] double rate_after(std::int64_t applied) const;

 private:
  [[nodiscard]] double warmup_gamma(std::int64_t step) const;
  config::SchedulerSettings s_;
  double base_lr_;
  std::int64_t warmup_;
};

}  // namespace zl::runtime
