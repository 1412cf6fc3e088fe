// Shared pieces of the cross-framework tests: the token file both sides read, a `train` run under
// `zlaunch run` with its step log and batch dump, and JSON-lines reading.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "subprocess.h"

namespace zl::crossframework {

// Writes `count` tokens below `vocab` as an llm.c shard (header 256 x int32: magic 20240520, version 1,
// count; then uint16 tokens). The stream is a seeded mixture of a fixed successor rule and noise, so a
// model has something to learn in a few steps; the same seed gives the same file.
void write_token_shard(const std::string& path, std::size_t count, int vocab, std::uint64_t seed);

// One JSON value per line of `path`; empty when the file does not exist.
std::vector<nlohmann::json> read_json_lines(const std::string& path);

// A `zlaunch run --num_processes N train ...` in `dir` (isolated from the user's setup), writing the
// step log to <name>.log and the batch dump to <name>.dump in `dir`.
struct TrainRun {
  std::string name;
  int world_size = 1;
  std::string config_file;              // a DeepSpeed JSON in dir
  std::vector<std::string> train_args;  // model, data, steps, seed, ...
};
testing::ProcessResult run_train(const std::string& dir, const TrainRun& run);

}  // namespace zl::crossframework
