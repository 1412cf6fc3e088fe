// DeepSpeed's batch triangle (deepspeed/runtime/config.py: _set_batch_related_parameters, then
// _batch_assertion), reproduced exactly: missing values are filled by floor division, gas = 1 when only
// one of train_batch_size / micro is given, neither of them is an error; then every value must be > 0
// and train_batch_size == micro × accumulation × world size, reported with the numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zl::config {

struct BatchRequest {
  std::optional<std::int64_t> train_batch_size;  // nullopt: absent or "auto"
  std::optional<std::int64_t> micro_batch;
  std::optional<std::int64_t> accumulation;
  // When neither train_batch_size nor micro is known: true means the trainer fills the micro batch
  // (a key was "auto", or no DeepSpeed document was given at all), false means DeepSpeed asserts.
  bool trainer_fills_micro = false;
  std::int64_t default_micro_batch = 8;
  std::int64_t world_size = 1;
};

struct BatchResolution {
  std::int64_t train_batch_size = 0;
  std::int64_t micro_batch = 0;
  std::int64_t accumulation = 0;
  // How each value was obtained when it was not given ("" when given), e.g. "64 // 16 // 4".
  std::string train_batch_size_rule;
  std::string micro_batch_rule;
  std::string accumulation_rule;
  std::vector<std::string> errors;  // empty when the triangle holds
};

BatchResolution resolve_batch(const BatchRequest& request);

}  // namespace zl::config
