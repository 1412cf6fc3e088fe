// The "auto" rules that derive values from the model (DESIGN.md §2), written once: resolve() applies them
// to "auto" values (and, without a DeepSpeed document, to the trainer's defaults), the wizard uses them to
// size its estimates, and the trainer re-applies them to the model it actually trains.
//
// Provenance (ResolvedConfig::sources) says which values came from a rule: "auto (<rule>)" for a value
// the user wrote as "auto", "default (<rule>)" for a trainer default sized from the model. Every other
// source ("file ...", "flag ...", "env ...", plain "default") is a fixed value no rule touches.
#pragma once

#include <cstdint>
#include <string>

#include "zl/config/model_spec.h"
#include "zl/config/resolved_config.h"

namespace zl::config {

// From the hidden size h: reduce_bucket_size = h², stage3_prefetch_bucket_size = floor(0.9·h²),
// stage3_param_persistence_threshold = 10·h (elements).
struct AutoBucketSizes {
  std::int64_t reduce_bucket_size = 0;
  std::int64_t stage3_prefetch_bucket_size = 0;
  std::int64_t stage3_param_persistence_threshold = 0;
};
AutoBucketSizes auto_bucket_sizes(const ModelSpec& model);

// The rule text of each derived key for `model` (e.g. "h² = 128² from model small"), as recorded in
// sources; "" for a key no rule derives.
std::string auto_rule_text(const std::string& key, const ModelSpec& model);

// Re-derives every value of `config` whose provenance (config.sources[key]) is an "auto (...)" rule from `model`, sets
// config.launch.model to the model's name (or its "L,H,C,T,V" dimensions for a custom one) and records the new rule
// text in sources. A trainer default sized from the model ("default (<rule>)") follows the model too. Values the user
// gave ("file ...", "flag ...", "env ...") and fixed defaults (plain "default") are left untouched.
// When the model changes, sources["model"] becomes "caller" (the program that chose it).
void resize_auto_for_model(ResolvedConfig& config, const ModelSpec& model);

}  // namespace zl::config
