// ask_blas_advice() (blas_advice.h): runs zlaunch-blas-probe (captured_command.h) and reads its two
// lines, OpenBLAS's core and the advised OPENBLAS_CORETYPE.
#include "zl/launcher/blas_advice.h"

#include <cstdlib>
#include <iostream>

#include "zl/base/error.h"
#include "zl/launcher/captured_command.h"
#include "zl/launcher/sibling_executable.h"

namespace zl::launcher {
namespace {

constexpr const char* kProbe = "zlaunch-blas-probe";

// The probe's stdout; throws Error naming the probe when it cannot start or does not exit 0. With
// OPENBLAS_NUM_THREADS=1 the probe's OpenBLAS starts no threads (the core it chooses depends on the CPU
// and OPENBLAS_CORETYPE only).
std::string run_probe(const std::string& path) {
  const CapturedOutput probe = run_captured({path}, {{"OPENBLAS_NUM_THREADS", "1"}});
  if (!probe.succeeded()) throw Error(path + " did not exit 0 (wait status " + std::to_string(probe.status) + ")");
  return probe.out;
}

}  // namespace

BlasAdvice ask_blas_advice() {
  if (const char* user = std::getenv("OPENBLAS_CORETYPE"); user != nullptr && *user != '\0') return {};
  try {
    const std::string text = run_probe(sibling_executable(kProbe, "the OpenBLAS probe"));
    const auto first_end = text.find('\n');
    const auto second_end = first_end == std::string::npos ? std::string::npos : text.find('\n', first_end + 1);
    if (second_end == std::string::npos || second_end + 1 != text.size()) {
      throw Error(std::string(kProbe) + " printed '" + text + "', not two lines");
    }
    return {text.substr(0, first_end), text.substr(first_end + 1, second_end - first_end - 1)};
  } catch (const Error& e) {
    std::cerr << "zlaunch: warning: " << e.what()
              << "; the ranks get no OPENBLAS_CORETYPE advice (OpenBLAS chooses its kernels itself)\n";
    return {};
  }
}

}  // namespace zl::launcher
