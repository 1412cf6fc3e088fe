// --log_json: one JSON object per optimizer step (step, loss, lr, grad_norm, tokens, seconds, the phase
// times, and memory bytes by kind, current and peak), one per line, flushed after each step.
#pragma once

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace zl::train {

class StepLog {
 public:
  // "" disables the log. Under several ranks the file is `path` with ".rank<R>" inserted before the
  // extension (log.jsonl -> log.rank1.jsonl). Throws zl::UsageError naming --log_json when unwritable.
  StepLog(const std::string& path, int rank, int world_size);
  void write(const nlohmann::json& line);
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace zl::train
