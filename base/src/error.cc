// Exit-code mapping and the checked-call helpers declared in error.h and check.h.
#include <cstring>

#include "zl/base/check.h"
#include "zl/base/error.h"

namespace zl {

SystemError::SystemError(const std::string& what, int err) : Error(what + ": " + std::strerror(err)), errno_(err) {}

int exit_code_for(const std::exception& e) {
  if (const auto* zl_error = dynamic_cast<const Error*>(&e)) {
    return static_cast<int>(zl_error->exit_code());
  }
  return static_cast<int>(ExitCode::kFailure);
}

namespace detail {

int& reporting_rank() {
  static int rank = -1;
  return rank;
}

std::string source_location(const char* file, int line) {
  std::string where = std::string(file) + ":" + std::to_string(line);
  if (reporting_rank() >= 0) {
    where += " (rank " + std::to_string(reporting_rank()) + ")";
  }
  return where;
}

}  // namespace detail
}  // namespace zl
