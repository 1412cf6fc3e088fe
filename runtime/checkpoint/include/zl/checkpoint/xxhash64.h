// XXH64: the 64-bit checksum of every checkpoint file (docs/checkpoints.md). The algorithm is xxHash's
// XXH64 exactly as specified in xxHash's doc/xxhash_spec.md (seed 0), so `xxhsum -H1 FILE` (or Python's
// xxhash.xxh64) reproduces the manifest's values; implemented here to add no dependency. Streaming:
// update() any number of times with consecutive pieces, then digest(); the result does not depend on
// how the input was split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace zl::checkpoint {

class Xxh64 {
 public:
  explicit Xxh64(std::uint64_t seed = 0);
  void update(const void* data, std::size_t size);
  [[nodiscard]] std::uint64_t digest() const;

 private:
  std::uint64_t acc_[4];
  std::uint64_t seed_;
  std::uint64_t total_ = 0;
  unsigned char buffer_[32];
  std::size_t buffered_ = 0;
};

[[nodiscard]] std::uint64_t xxh64(const void* data, std::size_t size, std::uint64_t seed = 0);
// 16 lowercase hex digits, the form the manifest stores.
[[nodiscard]] std::string hex64(std::uint64_t value);
// Parses hex64's form; throws zl::ConfigError naming `what` otherwise.
[[nodiscard]] std::uint64_t parse_hex64(const std::string& text, const std::string& what);

}  // namespace zl::checkpoint
