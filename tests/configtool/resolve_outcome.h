// Test helper for configtool tests: resolve a request into its outcome, the resolved config with its
// warnings, or the ConfigError's message.
#pragma once

#include <string>

#include "zl/base/error.h"
#include "zl/config/resolve.h"

namespace zl::config::testing_files {

struct Outcome {
  bool ok = false;
  std::string errors;  // the ConfigError message
  ResolvedConfig config;
  [[nodiscard]] std::string warnings() const {
    std::string all;
    for (const auto& w : config.warnings) all += w + "\n";
    return all;
  }
};

inline Outcome resolve_outcome(const ResolveRequest& request) {
  Outcome o;
  try {
    o.config = resolve(request);
    o.ok = true;
  } catch (const ConfigError& e) {
    o.errors = e.what();
  }
  return o;
}

}  // namespace zl::config::testing_files
