// --log_json: one JSON object per optimizer step (step, loss, lr, grad_norm, tokens, seconds, world size,
// ZeRO stage, skipped and loss scale, and rank 0's memory bytes by kind, current and peak), one per line,
// flushed after each step. Rank 0 writes it: the loss is the global batch's, the same on every rank.
#pragma once

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace zl::train {

class StepLog {
 public:
  // "" disables the log. Throws zl::UsageError naming --log_json when unwritable.
  explicit StepLog(const std::string& path);
  void write(const nlohmann::json& line);
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace zl::train
