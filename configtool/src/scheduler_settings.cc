// The scheduler block: WarmupLR, WarmupDecayLR, WarmupCosineLR (OneCycle and LRRangeTest named as
// unsupported), the parameters each takes, and the relations between them.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "zl/config/config_problems.h"
#include "zl/config/deepspeed_schema.h"
#include "zl/config/merged_reader.h"

namespace zl::config {

void resolve_scheduler(MergedReader& r) {
  SchedulerSettings& s = r.config().training.scheduler;
  const SchedulerSettings d;
  const SourcedValue* type = r.ds("scheduler.type");
  static const std::vector<std::string> param_names = {"warmup_min_lr", "warmup_max_lr",   "warmup_num_steps",
                                                       "warmup_type",   "total_num_steps", "warmup_min_ratio",
                                                       "cos_min_ratio"};
  r.config().sources["scheduler.type"] = type != nullptr ? type->source : "default";
  if (type == nullptr || r.is_auto(type)) {
    for (const auto& name : param_names) {
      if (r.given("scheduler.params." + name)) {
        r.error("scheduler.type", r.ds("scheduler.params." + name),
                "scheduler parameters are given without \"type\"; add \"type\": \"WarmupLR\" (or WarmupDecayLR, "
                "WarmupCosineLR)");
        break;
      }
    }
    return;
  }
  const std::string t = type->value.get<std::string>();
  const std::optional<SchedulerType> found = find_scheduler_type(t);
  if (!found) {
    if (known_unsupported_scheduler(t)) {
      r.error(
          "scheduler.type", type,
          "DeepSpeed's " + t + " schedule is not supported by zlaunch; use WarmupLR, WarmupDecayLR or WarmupCosineLR");
    } else {
      r.error("scheduler.type", type,
              "unknown scheduler '" + t + "'" + did_you_mean(t, {"WarmupLR", "WarmupDecayLR", "WarmupCosineLR"}) +
                  "; zlaunch implements WarmupLR, WarmupDecayLR and WarmupCosineLR");
    }
    return;
  }
  s.type = *found;
  const std::string type_name = to_string(s.type);
  std::vector<std::string> allowed = {"warmup_num_steps", "warmup_type"};
  if (s.type != SchedulerType::kWarmupCosineLR) allowed.insert(allowed.end(), {"warmup_min_lr", "warmup_max_lr"});
  if (s.type != SchedulerType::kWarmupLR) allowed.push_back("total_num_steps");
  if (s.type == SchedulerType::kWarmupCosineLR) allowed.insert(allowed.end(), {"warmup_min_ratio", "cos_min_ratio"});
  for (const auto& name : param_names) {
    if (r.given("scheduler.params." + name) && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      r.error("scheduler.params." + name, r.ds("scheduler.params." + name),
              "not a parameter of " + type_name + " (it takes " + list + ")");
    }
  }
  if (s.type != SchedulerType::kWarmupLR && r.ds("scheduler.params.total_num_steps") == nullptr) {
    r.error("scheduler.params.total_num_steps", type,
            type_name + " needs scheduler.params.total_num_steps (the length of the schedule)");
  }
  s.warmup_min_lr = r.ds_number("scheduler.params.warmup_min_lr", d.warmup_min_lr, 0.0, 1e6, 0.0, "0");
  s.warmup_max_lr = r.ds_number("scheduler.params.warmup_max_lr", d.warmup_max_lr, 0.0, 1e6,
                                r.config().training.optimizer.lr, "optimizer.params.lr");
  if (s.warmup_min_lr > s.warmup_max_lr) {
    r.error("scheduler.params.warmup_min_lr", r.ds("scheduler.params.warmup_min_lr"),
            "warmup_min_lr " + format_number(s.warmup_min_lr) + " is above warmup_max_lr " +
                format_number(s.warmup_max_lr));
  }
  s.warmup_num_steps = r.ds_int("scheduler.params.warmup_num_steps", d.warmup_num_steps, 0, 1LL << 40);
  // "auto" means the trainer's step count (Hugging Face fills in its max_steps); the bundled trainer
  // reads 0 as "the run's --steps", so that is what "auto" becomes.
  s.total_num_steps =
      r.ds_int("scheduler.params.total_num_steps", d.total_num_steps, 0, 1LL << 40, 0, "0 = the trainer's step count");
  if (s.type != SchedulerType::kWarmupLR && r.given("scheduler.params.total_num_steps") && s.total_num_steps != 0 &&
      s.total_num_steps < s.warmup_num_steps) {
    r.error("scheduler.params.total_num_steps", r.ds("scheduler.params.total_num_steps"),
            "total_num_steps " + std::to_string(s.total_num_steps) + " is shorter than warmup_num_steps " +
                std::to_string(s.warmup_num_steps) + ": the schedule would never leave warmup; raise total_num_steps");
  }
  const std::string warmup_type = r.ds_value<std::string>("scheduler.params.warmup_type", to_string(d.warmup_type));
  if (const std::optional<WarmupType> found_warmup = parse_warmup_type(warmup_type)) {
    s.warmup_type = *found_warmup;
  } else {
    r.error("scheduler.params.warmup_type", r.ds("scheduler.params.warmup_type"),
            "'" + warmup_type + "' is not one of log | linear");
  }
  s.warmup_min_ratio = r.ds_number("scheduler.params.warmup_min_ratio", d.warmup_min_ratio, 0.0, 1.0);
  s.cos_min_ratio = r.ds_number("scheduler.params.cos_min_ratio", d.cos_min_ratio, 0.0, 1.0);
}

}  // namespace zl::config
