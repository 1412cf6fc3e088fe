// JSON-lines step log (step_log.h).
#include "step_log.h"

#include "zl/base/error.h"

namespace zl::train {

StepLog::StepLog(const std::string& path) : path_(path) {
  if (path.empty()) return;
  out_.open(path_, std::ios::trunc);
  if (!out_) throw UsageError("--log_json " + path_ + ": cannot open the file for writing");
}

void StepLog::write(const nlohmann::json& line) {
  if (!out_.is_open()) return;
  out_ << line.dump() << '\n';
  out_.flush();
}

}  // namespace zl::train
