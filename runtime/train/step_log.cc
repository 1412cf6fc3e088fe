// JSON-lines step log (step_log.h).
#include "step_log.h"

#include "zl/base/error.h"

namespace zl::train {

StepLog::StepLog(const std::string& path, int rank, int world_size) {
  if (path.empty()) return;
  path_ = path;
  if (world_size > 1) {
    const auto slash = path.find_last_of('/');
    const auto dot = path.find_last_of('.');
    const bool has_ext = dot != std::string::npos && (slash == std::string::npos || dot > slash);
    const std::string tag = ".rank" + std::to_string(rank);
    path_ = has_ext ? path.substr(0, dot) + tag + path.substr(dot) : path + tag;
  }
  out_.open(path_, std::ios::trunc);
  if (!out_) throw UsageError("--log_json " + path_ + ": cannot open the file for writing");
}

void StepLog::write(const nlohmann::json& line) {
  if (!out_.is_open()) return;
  out_ << line.dump() << '\n';
  out_.flush();
}

}  // namespace zl::train
