// Writes the config fuzzers' libFuzzer dictionary to stdout: every key name zlaunch knows (DeepSpeed's
// leaf keys and their sections, the launch YAML's keys, the DeepSpeed plugin's), so mutations spell
// real keys, plus the values and YAML syntax that reach distinct code (auto, anchors and aliases,
// merge keys, document markers, numbers past double). Generated from the schema at build time, so it
// follows the keys as they change.
#include <iostream>
#include <set>
#include <string>

#include "zl/config/config_files.h"
#include "zl/config/deepspeed_schema.h"

namespace {

void add_with_sections(std::set<std::string>& words, const std::string& dotted) {
  std::size_t start = 0;
  while (true) {
    const auto dot = dotted.find('.', start);
    words.insert(dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return;
    start = dot + 1;
  }
}

}  // namespace

int main() {
  std::set<std::string> words;
  for (const auto& key : zl::config::supported_deepspeed_leaf_keys()) add_with_sections(words, key);
  for (const auto& key : zl::config::launch_yaml_key_names()) add_with_sections(words, key);
  for (const char* token :
       {"auto",      "true",      "false", "null", "cpu",         "cuda", "nvme", "bf16", "fp16",   "no",
        "DEEPSPEED", "MULTI_GPU", "NO",    "&a ",  "*a",          "<<: ", "---",  "...",  "!!str ", "? ",
        "1e400",     "-0",        "5e8",   "0x10", "\"\\u0000\"", "//",   "/*",   "*/"}) {
    words.insert(token);
  }
  for (const auto& word : words) {
    std::cout << '"';
    for (const char c : word) {
      if (c == '"' || c == '\\') std::cout << '\\';
      std::cout << c;
    }
    std::cout << "\"\n";
  }
  return 0;
}
