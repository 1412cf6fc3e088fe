// Typed errors map to the documented exit codes; checked system calls report errno and location.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <new>

#include "zl/base/check.h"
#include "zl/base/error.h"

namespace zl {
namespace {

TEST(ExitCodeFor, MapsEachErrorTypeToItsDocumentedCode) {
  EXPECT_EQ(exit_code_for(Error("x")), 1);
  EXPECT_EQ(exit_code_for(UsageError("x")), 2);
  EXPECT_EQ(exit_code_for(ConfigError("x")), 2);
  EXPECT_EQ(exit_code_for(UnavailableError("x")), 2);
  EXPECT_EQ(exit_code_for(InfrastructureError("x")), 3);
  EXPECT_EQ(exit_code_for(SystemError("x", ENOENT)), 1);
  EXPECT_EQ(exit_code_for(std::bad_alloc()), 1);
  EXPECT_EQ(exit_code_for(std::runtime_error("dependency")), 1);
}

TEST(CheckSys, ThrowsSystemErrorWithErrnoAndLocation) {
  try {
    ZL_CHECK_SYS(open("/nonexistent/zlaunch/file", O_RDONLY));
    FAIL() << "expected a SystemError";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.error_number(), ENOENT);
    const std::string message = e.what();
    EXPECT_NE(message.find("error_test.cc:"), std::string::npos) << message;
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  }
}

TEST(CheckSys, PassesThroughSuccess) { EXPECT_NO_THROW(ZL_CHECK_SYS(open("/dev/null", O_RDONLY))); }

TEST(Check, NamesTheConditionAndTheRankOnceKnown) {
  detail::reporting_rank() = 3;
  try {
    ZL_CHECK(1 + 1 == 3, "arithmetic " << 42);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("1 + 1 == 3"), std::string::npos) << message;
    EXPECT_NE(message.find("arithmetic 42"), std::string::npos) << message;
    EXPECT_NE(message.find("(rank 3)"), std::string::npos) << message;
  }
  detail::reporting_rank() = -1;
}

}  // namespace
}  // namespace zl
