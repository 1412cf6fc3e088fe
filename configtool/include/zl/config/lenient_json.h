// Reading JSON config files as they exist in the wild. DeepSpeed loads its config with hjson, so real
// files carry // and /* */ comments and trailing commas; both are accepted here (and reported, as
// the HF Trainer and Accelerate read with json.load, which refuses them). Everything else that
// strict JSON rejects (Python literals True/False/None, template placeholders such as ${zero_stage},
// a missing comma or brace) is a zl::ConfigError naming the file, line and column and what to change.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace zl::config {

struct ParsedJson {
  nlohmann::json value;
  // What only hjson reads ("comments", "a trailing comma (line 7)", both), "" for strict JSON.
  // DeepSpeed's own loader reads such a file; the HF Trainer and Accelerate (json.load) do not.
  std::string hjson_only;
};

// Parses `text` (the content of `origin`, used in messages). A key written twice in one object is a
// ConfigError naming its dotted path and both lines, as DeepSpeed refuses such a file.
ParsedJson parse_lenient_json(const std::string& text, const std::string& origin);

// Reads and parses a file; a missing or unreadable file is a ConfigError naming it.
ParsedJson read_lenient_json_file(const std::string& path);

// The largest config file read (16 MiB): real configs are a few KiB, and nothing bigger is read whole.
inline constexpr std::size_t kMaxConfigFileBytes = std::size_t{16} << 20;

// The whole content of a file; a ConfigError naming `what` when it cannot be read, is a directory, a
// device or a socket (/dev/zero), or is larger than kMaxConfigFileBytes.
std::string read_text_file(const std::string& path, const std::string& what);

}  // namespace zl::config
