// The integer a JSON or YAML number stands for where a key takes an integer. DeepSpeed reads 5e8 as
// 500000000, so an integral float counts; a value no int64 holds does not: 5e80, 2^64 - 1, a fraction.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace zl::config {

// nullopt for a non-number, a fraction, or a number outside int64 (never a wrapped or undefined cast).
std::optional<std::int64_t> json_integer(const nlohmann::json& value);

}  // namespace zl::config
