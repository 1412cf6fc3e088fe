// Problems: the findings of loading and validating a configuration, collected so that every problem is
// reported at once (DESIGN.md §2) instead of stopping at the first. Errors make resolve() throw one
// zl::ConfigError listing all of them; warnings travel on in ResolvedConfig::warnings.
#pragma once

#include <string>
#include <vector>

namespace zl::config {

class Problems {
 public:
  // `where` is "<file>: <key path>" or "flag --x" or "env ZLAUNCH_X"; `what` says what is wrong and
  // how to fix it.
  void error(const std::string& where, const std::string& what);
  void warning(const std::string& where, const std::string& what);

  [[nodiscard]] bool has_errors() const { return !errors_.empty(); }
  [[nodiscard]] const std::vector<std::string>& errors() const { return errors_; }
  [[nodiscard]] const std::vector<std::string>& warnings() const { return warnings_; }

  // Throws zl::ConfigError whose message lists every error (and, after them, the warnings) when there
  // is at least one error; does nothing otherwise.
  void throw_if_errors() const;

 private:
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
};

// Levenshtein distance (insertions, deletions, substitutions), case-insensitive.
int edit_distance(const std::string& a, const std::string& b);

// " (did you mean 'x'?)" for the closest candidate within a distance proportional to the key's length,
// or "" when nothing is close.
std::string did_you_mean(const std::string& key, const std::vector<std::string>& candidates);

}  // namespace zl::config
