// The second half of resolve(): from the merged layers to a checked ResolvedConfig. Reads every key
// with its source, resolves "auto" (batch triangle, bucket sizes from the model's hidden size, fp16/bf16
// from mixed_precision, trainer defaults elsewhere) and runs the cross-key checks of DESIGN.md §2.
#pragma once

#include <optional>

#include "zl/config/config_layer.h"
#include "zl/config/config_problems.h"
#include "zl/config/model_spec.h"
#include "zl/config/resolved_config.h"

namespace zl::config {

struct MergedConfig {
  FlatConfig launch;
  FlatConfig deepspeed;
  // Some layer holds a DeepSpeed document: DeepSpeed's defaults apply (stage 0, no clipping) instead
  // of the bundled trainer's (stage 2, clipping 1.0).
  bool has_deepspeed_document = false;
  // The layer that supplied the batch keys holds a DeepSpeed document (see BatchRequest).
  bool batch_from_document = false;
  // Loading already found errors (syntax, types): consequences of missing keys are not reported again.
  bool documents_have_errors = false;
};

class MergedReader;

// The DeepSpeed blocks, one file each: optimizer_settings.cc, scheduler_settings.cc (after the
// optimizer: "auto" warmup_max_lr is its lr), zero_settings.cc (bucket sizes from `model`).
void resolve_optimizer(MergedReader& reader);
void resolve_scheduler(MergedReader& reader);
void resolve_zero(MergedReader& reader, const ModelSpec& model);

// Fills `config` (launch, training, sources); errors and warnings go to `problems`.
void build_resolved_config(const MergedConfig& merged, const std::optional<ModelSpec>& requested_model,
                           ResolvedConfig& config, Problems& problems);

}  // namespace zl::config
