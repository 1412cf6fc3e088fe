// libFuzzer target: a config file through the path `zlaunch config validate`, `config show` and
// `zlaunch run --config_file` share (zl::config::resolve with only this file). Built twice:
// ZL_FUZZ_CONFIG_EXTENSION ".json" (DeepSpeed JSON, lenient syntax included) and ".yaml" (launch YAML,
// Accelerate's keys, an inline deepspeed_config or a deepspeed_config_file).
//
// Contract held: any bytes give a resolved config or an error of exit code 2 (ConfigError,
// UsageError) — never another exception, a crash, a sanitizer report, a hang or runaway memory
// (libFuzzer's -timeout and -rss_limit_mb). Another exception kind aborts, so libFuzzer saves the input.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "zl/base/error.h"
#include "zl/config/resolve.h"

namespace {

// One private directory per process, removed at exit: the input is written to a file there (the
// loader reads files, and a file's name decides JSON or YAML), and a deepspeed_config_file the input
// names is looked up relative to it.
struct WorkDirectory {
  std::string path;
  WorkDirectory() {
    path = (std::filesystem::temp_directory_path() / "zl_config_fuzz_XXXXXX").string();
    if (::mkdtemp(path.data()) == nullptr) std::abort();
  }
  ~WorkDirectory() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

const std::string& work_directory() {
  static const WorkDirectory dir;
  return dir.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string path = work_directory() + "/input" ZL_FUZZ_CONFIG_EXTENSION;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) std::abort();
  }
  zl::config::ResolveRequest request;
  request.config_file = path;
  request.read_environment = false;
  request.read_default_files = false;
  request.working_directory = work_directory();
  request.home_directory = work_directory();
  try {
    (void)zl::config::resolve(request);
  } catch (const std::exception& e) {
    if (zl::exit_code_for(e) != 2) {
      std::fprintf(stderr, "config fuzzer: an error of exit code %d, not 2: %s\n", zl::exit_code_for(e), e.what());
      std::abort();
    }
  }
  return 0;
}
