// splitmix64 random streams (zl/runtime/rng.h).
#include "zl/runtime/rng.h"

#include <cmath>

namespace zl::runtime {

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t out = mix64(state_);
  state_ += 0x9e3779b97f4a7c15ULL;
  return out;
}

double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::below(std::uint64_t n) {
  // Multiply-shift on the top 32 bits; exact enough for sampling (n is a data length or a vocabulary).
  if (n <= 0xffffffffULL) return ((next_u64() >> 32) * n) >> 32;
  return next_u64() % n;
}

double Rng::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace zl::runtime
