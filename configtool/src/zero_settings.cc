// The zero_optimization block: stage (the trainer's 2 without a DeepSpeed document, DeepSpeed's 0 with
// one), buckets ("auto" from the model's hidden size h: h², floor(0.9·h²), 10·h), offload, and the
// cross-key checks (offload_param needs stage 3 and, on cuda, offload_optimizer; stage3_* keys below
// stage 3, nvme, offload on cpu).
#include <string>
#include <vector>

#include "zl/config/auto_rules.h"
#include "zl/config/merged_reader.h"

namespace zl::config {
namespace {

constexpr int kTrainerZeroStage = 2;

OffloadSettings offload(MergedReader& r, const std::string& prefix) {
  OffloadSettings o;
  const std::string key = prefix + ".device";
  const std::string device = r.ds_value<std::string>(key, to_string(o.device));
  if (device == "cpu") {
    o.device = OffloadDevice::kCpu;
  } else if (device == "nvme") {
    r.error(key, r.ds(key),
            "offload to nvme is not supported by zlaunch (no NVMe swapping in this runtime); use \"cpu\" or \"none\"");
  } else if (device != "none") {
    r.error(key, r.ds(key), "'" + device + "' is not one of none | cpu");
  }
  o.pin_memory = r.ds_value<bool>(prefix + ".pin_memory", o.pin_memory);
  return o;
}

// DeepSpeed keys whose DeepSpeed meaning zlaunch's engine has no counterpart for: each is reported by
// name, with the reason, when its value asks for something zlaunch does not do. None of them changes
// the trained values in DeepSpeed either (they trade memory layout, traffic or step granularity).
void report_keys_without_effect(MergedReader& r) {
  struct NoEffect {
    const char* key;
    nlohmann::json what_zlaunch_does;  // the value that describes zlaunch; any other value is reported
    const char* why;
  };
  static const NoEffect kNoEffect[] = {
      {"zero_optimization.contiguous_gradients", true,
       "zlaunch always reduces gradients into contiguous per-rank shards"},
      {"zero_optimization.reduce_scatter", true,
       "zlaunch always averages gradients with reduce-scatter (DeepSpeed's false uses all-reduce; the "
       "result is the same)"},
      {"zero_optimization.sub_group_size", 1000000000,
       "zlaunch steps each rank's whole shard at once (DeepSpeed's sub-groups only bound the memory of "
       "the optimizer step; the update is the same)"},
      {"zero_optimization.round_robin_gradients", false,
       "zlaunch copies offloaded gradients in one pass (DeepSpeed's round-robin only reorders those "
       "copies)"},
  };
  for (const NoEffect& entry : kNoEffect) {
    const SourcedValue* v = r.ds(entry.key);
    if (v == nullptr || r.is_auto(v) || v->value == entry.what_zlaunch_does) continue;
    r.warning(entry.key, v, "= " + v->value.dump() + " has no effect in zlaunch: " + entry.why);
  }
}

}  // namespace

void resolve_zero(MergedReader& r, const ModelSpec& model) {
  ZeroSettings& z = r.config().training.zero_optimization;
  const ZeroSettings d;
  z.stage =
      static_cast<int>(r.ds_int("zero_optimization.stage", r.merged().has_deepspeed_document ? 0 : kTrainerZeroStage, 0,
                                3, kTrainerZeroStage, "trainer default stage"));
  z.overlap_comm = r.ds_value<bool>("zero_optimization.overlap_comm", z.stage == 3);
  report_keys_without_effect(r);
  // Without a DeepSpeed document the trainer's defaults are the "auto" sizes of its model, recorded as
  // "default (<rule>)" so that they follow the model the trainer actually trains (auto_rules.h).
  const bool trainer = !r.merged().has_deepspeed_document;
  const AutoBucketSizes sized = auto_bucket_sizes(model);
  const auto bucket = [&](const std::string& key, std::int64_t fixed_default, std::int64_t auto_value,
                          std::int64_t lo) {
    const std::string rule = auto_rule_text(key, model);
    const std::int64_t n = r.ds_int(key, trainer ? auto_value : fixed_default, lo, 1LL << 50, auto_value, rule);
    if (trainer && r.ds(key) == nullptr) r.config().sources[key] = "default (" + rule + ")";
    return n;
  };
  z.reduce_bucket_size =
      bucket("zero_optimization.reduce_bucket_size", d.reduce_bucket_size, sized.reduce_bucket_size, 1);
  z.stage3_prefetch_bucket_size = bucket("zero_optimization.stage3_prefetch_bucket_size", d.stage3_prefetch_bucket_size,
                                         sized.stage3_prefetch_bucket_size, 0);
  z.stage3_param_persistence_threshold =
      bucket("zero_optimization.stage3_param_persistence_threshold", d.stage3_param_persistence_threshold,
             sized.stage3_param_persistence_threshold, 0);
  z.allgather_bucket_size = r.ds_int("zero_optimization.allgather_bucket_size", d.allgather_bucket_size, 1, 1LL << 50);
  z.offload_optimizer = offload(r, "zero_optimization.offload_optimizer");
  z.offload_param = offload(r, "zero_optimization.offload_param");
  z.stage3_max_live_parameters =
      r.ds_int("zero_optimization.stage3_max_live_parameters", d.stage3_max_live_parameters, 0, 1LL << 50);
  z.stage3_max_reuse_distance =
      r.ds_int("zero_optimization.stage3_max_reuse_distance", d.stage3_max_reuse_distance, 0, 1LL << 50);
  z.stage3_gather_16bit_weights_on_model_save = r.ds_value<bool>(
      "zero_optimization.stage3_gather_16bit_weights_on_model_save", d.stage3_gather_16bit_weights_on_model_save);

  // DeepSpeed's engine refuses, under ZeRO, an optimizer outside its tested list (Adam, AdamW and
  // DeepSpeed's own) unless zero_allow_untested_optimizer is true; SGD is outside it.
  const bool allow_untested = r.ds_value<bool>("zero_allow_untested_optimizer", false);
  if (z.stage >= 1 && r.config().training.optimizer.type == OptimizerType::kSgd && !allow_untested) {
    r.error("optimizer.type", r.ds("optimizer.type"),
            "SGD under ZeRO stage " + std::to_string(z.stage) +
                " is an untested optimizer for DeepSpeed, which refuses it unless \"zero_allow_untested_optimizer\": "
                "true; add that key (zlaunch shards SGD's momentum like Adam's states), or use AdamW");
  }
  const std::string stage_text =
      std::to_string(z.stage) + " (from " + r.config().sources["zero_optimization.stage"] + ")";
  if (z.offload_param.device != OffloadDevice::kNone && z.stage < 3) {
    r.error("zero_optimization.offload_param", r.ds("zero_optimization.offload_param.device"),
            "parameter offload needs ZeRO stage 3, but the stage is " + stage_text +
                "; set zero_optimization.stage to 3 or remove offload_param");
  }
  if (z.stage < 3) {
    std::vector<std::string> stage3_keys;
    for (const auto& [key, value] : r.merged().deepspeed) {
      if (key.rfind("zero_optimization.stage3_", 0) == 0 && value.source != "default")
        stage3_keys.push_back(key.substr(18));
    }
    if (!stage3_keys.empty()) {
      std::string list;
      for (const auto& k : stage3_keys) list += (list.empty() ? "" : ", ") + k;
      r.warning("zero_optimization", r.ds("zero_optimization." + stage3_keys.front()),
                "stage-3 settings have no effect at stage " + stage_text + ": " + list);
    }
  }
  const bool any_offload =
      z.offload_optimizer.device != OffloadDevice::kNone || z.offload_param.device != OffloadDevice::kNone;
  if (any_offload && r.config().launch.device == DeviceKind::kCpu) {
    r.warning("zero_optimization.offload_*",
              r.ds("zero_optimization.offload_optimizer.device") != nullptr
                  ? r.ds("zero_optimization.offload_optimizer.device")
                  : r.ds("zero_optimization.offload_param.device"),
              "offload to cpu is meaningless on device cpu (everything already lives in host memory); it is ignored");
  }
  // The engine steps the optimizer where the parameter shards live: offloaded parameters need the
  // offloaded optimizer.
  if (z.offload_param.device != OffloadDevice::kNone && z.offload_optimizer.device == OffloadDevice::kNone &&
      r.config().launch.device == DeviceKind::kCuda) {
    r.error("zero_optimization.offload_param", r.ds("zero_optimization.offload_param.device"),
            "parameter offload without optimizer offload is not supported by zlaunch (the optimizer updates the "
            "parameter shards where they live); also set zero_optimization.offload_optimizer.device to \"cpu\", or "
            "remove offload_param");
  }
}

}  // namespace zl::config
