// Checked-call macros: every system, MPI, CUDA and NCCL call result goes through one of these so a
// failure reports file:line (and the rank, once known) instead of being ignored.
//
// ZL_CHECK_SYS(expr)  - expr returns -1 and sets errno on failure (POSIX style); throws SystemError.
// ZL_CHECK(cond, msg) - an internal invariant; throws zl::Error with file:line.
#pragma once

#include <cerrno>
#include <sstream>
#include <string>

#include "zl/base/error.h"

namespace zl::detail {

// The rank this process reports in error messages; -1 until the runtime knows it.
int& reporting_rank();

std::string source_location(const char* file, int line);

}  // namespace zl::detail

#define ZL_CHECK_SYS(expr)                                                                                      \
  do {                                                                                                          \
    if ((expr) == -1) {                                                                                         \
      int zl_saved_errno_ = errno;                                                                              \
      throw ::zl::SystemError(::zl::detail::source_location(__FILE__, __LINE__) + ": " #expr, zl_saved_errno_); \
    }                                                                                                           \
  } while (0)

#define ZL_CHECK(cond, msg)                                                                                      \
  do {                                                                                                           \
    if (!(cond)) {                                                                                               \
      std::ostringstream zl_check_os_;                                                                           \
      zl_check_os_ << ::zl::detail::source_location(__FILE__, __LINE__) << ": check failed: " #cond ": " << msg; \
      throw ::zl::Error(zl_check_os_.str());                                                                     \
    }                                                                                                            \
  } while (0)
