// libFuzzer target: a safetensors file's bytes (zl::runtime::SafetensorsFile::parse, what --init_from
// reads), then every tensor it lists converted to fp32.
//
// Contract held: any bytes give a file whose every tensor lies inside its data and converts, or a
// ConfigError naming the file — never another exception, a crash or a sanitizer report.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "zl/base/error.h"
#include "zl/runtime/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  try {
    const auto file = zl::runtime::SafetensorsFile::parse(std::vector<char>(data, data + size), "fuzz.safetensors");
    for (const auto& entry : file.entries()) {
      const auto values = file.to_f32(entry.name);
      if (values.size() * zl::runtime::dtype_size(entry.dtype) != entry.end - entry.begin) {
        std::fprintf(stderr, "safetensors fuzzer: tensor '%s' converts to the wrong size\n", entry.name.c_str());
        std::abort();
      }
    }
  } catch (const zl::ConfigError&) {
    // The contract's other outcome.
  }
  return 0;
}
