// Deterministic random numbers for initialization and data order: splitmix64 streams, identical on every
// platform and independent of the standard library's distributions (so a seed means the same model and
// the same sample order everywhere).
#pragma once

#include <cstdint>

namespace zl::runtime {

// splitmix64's finalizer: a bijective 64-bit hash, used to derive independent streams from (seed, index).
[[nodiscard]] std::uint64_t mix64(std::uint64_t x);

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next_u64();
  // Uniform in [0, 1) with 53 bits.
  double uniform();
  // Uniform integer in [0, n), n > 0 (multiply-shift for n < 2^32, relative bias below n / 2^32).
  std::uint64_t below(std::uint64_t n);
  // Standard normal (Box-Muller; one value per call).
  double normal();

 private:
  std::uint64_t state_;
};

}  // namespace zl::runtime
