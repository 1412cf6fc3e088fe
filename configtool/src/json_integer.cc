// json_integer() (zl/config/json_integer.h).
#include "zl/config/json_integer.h"

#include <cmath>
#include <limits>

namespace zl::config {

std::optional<std::int64_t> json_integer(const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (!value.is_number_float()) return std::nullopt;
  const double d = value.get<double>();
  constexpr double kTwo63 = 9223372036854775808.0;  // 2^63, exactly: int64 holds [-2^63, 2^63)
  if (!std::isfinite(d) || d != std::floor(d) || d < -kTwo63 || d >= kTwo63) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

}  // namespace zl::config
