// Training data as a flat token stream: a byte-level text file (vocabulary 256) or an llm.c/nanoGPT token
// shard (.bin: a header of 256 little-endian int32 — magic 20240520, version 1, token count — then that
// many uint16 tokens). Split into train and validation: the last `validation_fraction` of the stream
// (at least one context + 1 tokens) is validation, the rest train.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zl::runtime {

struct TokenStream {
  std::vector<std::uint16_t> tokens;
  // Offsets where a training window may start (ascending), e.g. the start of each example of a task; empty
  // means any offset (raw text and shards).
  std::vector<std::size_t> sample_starts;
  int vocab_size = 256;     // tokens are < vocab_size (256 for bytes; 1 + the largest token for shards)
  std::string description;  // for logs: "tinyshakespeare.txt: 1115394 bytes"
};

struct TokenDataset {
  TokenStream train;
  TokenStream validation;
};

inline constexpr std::int32_t kShardMagic = 20240520;
inline constexpr std::int32_t kShardVersion = 1;

// A path ending in ".bin" is read as a token shard, anything else as bytes. Throws zl::ConfigError naming
// `what` (e.g. "--data") and the path when the file is missing, unreadable or malformed.
TokenStream load_token_file(const std::string& path, const std::string& what);

// A token shard's bytes (`path` names it in errors). Any bytes give a stream or a ConfigError
// (tests/fuzz/token_shard_fuzzer.cc holds it to that).
TokenStream parse_token_shard(std::string_view bytes, const std::string& what, const std::string& path);

// Splits `all` so that each part has at least `context + 1` tokens; throws ConfigError naming `what`
// when the stream is too short for that.
TokenDataset split_train_validation(TokenStream all, int context, double validation_fraction, const std::string& what);

// Writes a shard in the llm.c format (for tests and tools).
void write_token_shard(const std::string& path, const std::vector<std::uint16_t>& tokens);

}  // namespace zl::runtime
