// A launch YAML's text as one JSON document, YAML 1.2's core schema deciding the scalars' types: the
// checks yaml-cpp 0.7 (Debian 12's) needs around it to never crash, hang or pass on bytes it misreads
// (text that is not UTF-8 or holds control characters, a stream of several documents, a token where no
// value may begin), and bounds on what aliases may expand to. Each problem names the file and line.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "zl/config/config_problems.h"

namespace zl::config {

// The mapping `text` (the file at `path`) holds, or a null json for an empty file. A problem is recorded
// in `problems` (against `path`, with its line) and the result is nullopt; nothing is thrown.
std::optional<nlohmann::json> read_yaml_mapping(const std::string& text, const std::string& path, Problems& problems);

}  // namespace zl::config
