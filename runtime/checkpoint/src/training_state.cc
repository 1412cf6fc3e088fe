// The run identity a resume must match (zl/checkpoint/training_state.h).
#include "zl/checkpoint/training_state.h"

#include "zl/base/error.h"

namespace zl::checkpoint {
namespace {

void collect_differences(const nlohmann::json& saved, const nlohmann::json& current, const std::string& prefix,
                         std::string& out) {
  if (saved.is_object() && current.is_object()) {
    for (const auto& [key, value] : saved.items()) {
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      if (!current.contains(key)) {
        out += "; " + path + " " + value.dump() + " (checkpoint) is not set now";
      } else {
        collect_differences(value, current.at(key), path, out);
      }
    }
    for (const auto& [key, value] : current.items()) {
      if (!saved.contains(key)) out += "; " + (prefix.empty() ? key : prefix + "." + key) + " is new: " + value.dump();
    }
    return;
  }
  if (saved != current) out += "; " + prefix + " " + saved.dump() + " (checkpoint) vs " + current.dump() + " (now)";
}

}  // namespace

nlohmann::json run_identity(const config::ModelSpec& model, const config::TrainingSettings& t,
                            std::int64_t global_batch, std::uint64_t data_seed, int context, const std::string& data) {
  const auto& o = t.optimizer;
  const auto& s = t.scheduler;
  return {{"model", model.dimensions()},
          {"optimizer",
           {{"type", config::to_string(o.type)},
            {"lr", o.lr},
            {"betas", o.betas},
            {"eps", o.eps},
            {"weight_decay", o.weight_decay},
            {"momentum", o.momentum}}},
          {"scheduler",
           {{"type", config::to_string(s.type)},
            {"warmup_min_lr", s.warmup_min_lr},
            {"warmup_max_lr", s.warmup_max_lr},
            {"warmup_num_steps", s.warmup_num_steps},
            {"warmup_type", config::to_string(s.warmup_type)},
            {"total_num_steps", s.total_num_steps},
            {"warmup_min_ratio", s.warmup_min_ratio},
            {"cos_min_ratio", s.cos_min_ratio}}},
          {"global_batch", global_batch},
          {"gradient_clipping", t.gradient_clipping},
          {"data_seed", data_seed},
          {"context", context},
          {"data", data}};
}

void check_same_run(const nlohmann::json& saved, const nlohmann::json& current, const std::string& manifest_path) {
  std::string differences;
  collect_differences(saved, current, "", differences);
  if (!differences.empty()) {
    throw ConfigError(manifest_path + ": the checkpoint belongs to a different run configuration: " +
                      differences.substr(2) + " (resume with the checkpoint's settings, or start fresh)");
  }
}

}  // namespace zl::checkpoint
