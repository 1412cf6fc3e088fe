// The model-sized "auto" rules and their re-application to another model (auto_rules.h).
#include "zl/config/auto_rules.h"

#include <cmath>

namespace zl::config {
namespace {

// The keys the rules derive and the field of ZeroSettings / AutoBucketSizes each one fills.
struct DerivedKey {
  const char* key;
  std::int64_t ZeroSettings::*setting;
  std::int64_t AutoBucketSizes::*size;
};

constexpr DerivedKey kDerivedKeys[] = {
    {"zero_optimization.reduce_bucket_size", &ZeroSettings::reduce_bucket_size, &AutoBucketSizes::reduce_bucket_size},
    {"zero_optimization.stage3_prefetch_bucket_size", &ZeroSettings::stage3_prefetch_bucket_size,
     &AutoBucketSizes::stage3_prefetch_bucket_size},
    {"zero_optimization.stage3_param_persistence_threshold", &ZeroSettings::stage3_param_persistence_threshold,
     &AutoBucketSizes::stage3_param_persistence_threshold},
};

// "auto (<rule>)" or "default (<rule>)": the source of a value a rule derived.
bool is_rule_source(const std::string& source) {
  return source.rfind("auto (", 0) == 0 || source.rfind("default (", 0) == 0;
}

}  // namespace

AutoBucketSizes auto_bucket_sizes(const ModelSpec& model) {
  const std::int64_t h = model.n_embd;
  AutoBucketSizes sizes;
  sizes.reduce_bucket_size = h * h;
  sizes.stage3_prefetch_bucket_size = static_cast<std::int64_t>(std::floor(0.9 * static_cast<double>(h * h)));
  sizes.stage3_param_persistence_threshold = 10 * h;
  return sizes;
}

std::string auto_rule_text(const std::string& key, const ModelSpec& model) {
  const std::string h = std::to_string(model.n_embd);
  const std::string from = " from model " + model.label();
  if (key == kDerivedKeys[0].key) return "h² = " + h + "²" + from;
  if (key == kDerivedKeys[1].key) return "floor(0.9·h²), h = " + h + from;
  if (key == kDerivedKeys[2].key) return "10·h, h = " + h + from;
  return "";
}

void resize_auto_for_model(ResolvedConfig& config, const ModelSpec& model) {
  const AutoBucketSizes sizes = auto_bucket_sizes(model);
  for (const DerivedKey& derived : kDerivedKeys) {
    const auto source = config.sources.find(derived.key);
    if (source == config.sources.end() || !is_rule_source(source->second)) continue;
    config.training.zero_optimization.*derived.setting = sizes.*derived.size;
    const std::string kind = source->second.substr(0, source->second.find(' '));  // "auto" or "default"
    source->second = kind + " (" + auto_rule_text(derived.key, model) + ")";
  }
  const std::string label = model.label();
  if (config.launch.model != label) {
    config.launch.model = label;
    config.sources["model"] = "caller";
  }
}

}  // namespace zl::config
