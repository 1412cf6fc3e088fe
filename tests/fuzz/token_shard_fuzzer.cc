// libFuzzer target: an llm.c token shard's bytes (zl::runtime::parse_token_shard, what --data FILE.bin
// reads).
//
// Contract held: any bytes give exactly the tokens the header counts, each below the stream's
// vocabulary, or a ConfigError naming the file — never another exception, a crash or a sanitizer
// report.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "zl/base/error.h"
#include "zl/runtime/token_dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  try {
    const auto stream = zl::runtime::parse_token_shard(std::string_view(reinterpret_cast<const char*>(data), size),
                                                       "--data", "fuzz.bin");
    bool consistent = 1024 + 2 * stream.tokens.size() == size;
    for (const auto token : stream.tokens) consistent = consistent && token < stream.vocab_size;
    if (!consistent) {
      std::fprintf(stderr, "token shard fuzzer: the stream disagrees with the file\n");
      std::abort();
    }
  } catch (const zl::ConfigError&) {
    // The contract's other outcome.
  }
  return 0;
}
