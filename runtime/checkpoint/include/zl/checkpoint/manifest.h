// The manifest of one checkpoint, <dir>/step_<NNNNNNNN>/manifest.json (DESIGN.md §4, docs/checkpoints.md):
// what was saved (step, world size, stage, dtypes, the model, the optimizer and its step count, the
// scheduler, the loss scaler, data and RNG positions, the run's configuration and its digest), and where every element
// of every saved tensor lives: for each tensor and each kind of state ("master" fp32 weights, then the
// optimizer's states, e.g. "exp_avg", "exp_avg_sq"), a list of pieces (rank file, byte offset, element
// range). A loader needs nothing but this to re-partition for any world size or stage.
//
// The manifest carries its own XXH64 ("manifest_xxh64", over the JSON dumped without that key) and each
// shard file's size and XXH64. Parsing validates all of it and throws zl::ConfigError naming the file
// and what is wrong: bad JSON, an unknown format version, an edited manifest, pieces that do not cover
// a tensor exactly or point outside their file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zl/config/model_spec.h"
#include "zl/runtime/tensor.h"

namespace zl::checkpoint {

inline constexpr int kFormatVersion = 1;
inline constexpr const char* kMasterKind = "master";
inline constexpr const char* kManifestName = "manifest.json";

struct ShardFile {
  int rank = 0;
  std::string name;  // relative to the step directory: rank_<RRRRR>.bin
  std::uint64_t bytes = 0;
  std::uint64_t xxh64 = 0;
};

// Elements [begin, end) of a tensor (row-major in its shape), stored as fp32 little-endian at
// byte_offset of rank `rank`'s shard file.
struct Piece {
  int rank = 0;
  std::uint64_t byte_offset = 0;
  std::int64_t begin = 0;
  std::int64_t end = 0;
};

struct TensorRecord {
  std::string name;               // Hugging Face GPT-2 name without "transformer.", e.g. "h.0.attn.c_attn.weight"
  std::size_t layer = 0;          // the runtime layer holding it
  std::int64_t layer_offset = 0;  // its first element in the layer's flat buffer
  runtime::Shape shape;           // the runtime's layout: linear weights [out, in]
  std::map<std::string, std::vector<Piece>> locations;  // kind -> pieces in element order

  [[nodiscard]] std::int64_t numel() const { return runtime::shape_numel(shape); }
};

struct Manifest {
  int format_version = kFormatVersion;
  std::int64_t step = 0;  // optimizer steps completed
  int world_size = 0;
  int zero_stage = 0;
  std::string master_dtype = "F32";
  std::string optimizer_dtype = "F32";
  config::ModelSpec model;
  std::vector<std::int64_t> layer_sizes;
  std::string optimizer;                      // AdamW | Adam | SGD
  std::vector<std::string> optimizer_states;  // PyTorch state names
  std::int64_t optimizer_step_count = 0;
  nlohmann::json scheduler = nlohmann::json::object();  // {type, position, last_lr}
  // Mixed precision: {working_dtype, type (none | static | dynamic), cur_scale, cur_iter,
  // last_overflow_iter, cur_hysteresis, skipped_steps} (DeepSpeed's names; loss_scaler.h). Empty in
  // manifests written before it existed, which then restore the scaler's initial state.
  nlohmann::json loss_scaler = nlohmann::json::object();
  nlohmann::json data = nlohmann::json::object();    // {position, samples_consumed, global_batch, context, seed}
  nlohmann::json rng = nlohmann::json::object();     // {generator, init_seed, data_seed, streams}
  nlohmann::json config = nlohmann::json::object();  // the settings a resume must match (run_identity)
  std::string config_digest;                         // hex XXH64 of config.dump()
  std::vector<ShardFile> files;                      // one per rank
  std::vector<TensorRecord> tensors;                 // layer order

  // "master" followed by the optimizer's states.
  [[nodiscard]] std::vector<std::string> kinds() const;
  [[nodiscard]] const TensorRecord* find(const std::string& name) const;
};

[[nodiscard]] std::string shard_file_name(int rank);

// The JSON text, manifest_xxh64 included.
[[nodiscard]] std::string manifest_to_text(const Manifest& manifest);
// Parses and validates; `path` names the file in errors.
[[nodiscard]] Manifest manifest_from_text(const std::string& text, const std::string& path);

}  // namespace zl::checkpoint
