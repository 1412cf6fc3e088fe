// `zlaunch checkpoint consolidate`: one Hugging Face GPT-2 safetensors file from a sharded checkpoint,
// whatever its world size and stage, plus config.json (GPT2Config) in the same directory, loadable by
// transformers' GPT2LMHeadModel.from_pretrained(dir) and by `train --init_from`. Names carry the
// "transformer." prefix; Conv1D weights (the blocks' 2-D weights) are transposed to HF's [in, out];
// lm_head is tied to wte and not stored (as HF saves GPT-2). Streaming: one tensor in memory at a time
// (read from whichever shards hold it, transposed, converted to the output dtype, appended).
#pragma once

#include <cstdint>
#include <string>

#include "zl/runtime/dtype.h"

namespace zl::checkpoint {

struct ConsolidateResult {
  std::string safetensors_path;
  std::string config_path;
  std::int64_t tensors = 0;
  std::uint64_t bytes = 0;
};

// `checkpoint`: a step directory or a checkpoint directory (its `latest`). Writes out (via out.tmp and a
// rename) and <dirname(out)>/config.json.
ConsolidateResult consolidate_checkpoint(const std::string& checkpoint, const std::string& out, runtime::DType dtype);

}  // namespace zl::checkpoint
