// Collection of configuration errors and warnings, and the did-you-mean suggestion for unknown keys.
#include "zl/config/config_problems.h"

#include <algorithm>
#include <cctype>

#include "zl/base/error.h"

namespace zl::config {

void Problems::error(const std::string& where, const std::string& what) {
  const std::string line = where.empty() ? what : where + ": " + what;
  if (std::find(errors_.begin(), errors_.end(), line) == errors_.end()) errors_.push_back(line);
}

void Problems::warning(const std::string& where, const std::string& what) {
  const std::string line = where.empty() ? what : where + ": " + what;
  if (std::find(warnings_.begin(), warnings_.end(), line) == warnings_.end()) warnings_.push_back(line);
}

void Problems::throw_if_errors() const {
  if (errors_.empty()) return;
  std::string message = "invalid configuration (" + std::to_string(errors_.size()) +
                        (errors_.size() == 1 ? " problem" : " problems") + "):";
  for (const auto& e : errors_) message += "\n  - " + e;
  if (!warnings_.empty()) {
    message += "\nwarnings:";
    for (const auto& w : warnings_) message += "\n  - " + w;
  }
  throw ConfigError(message);
}

int edit_distance(const std::string& a, const std::string& b) {
  std::vector<int> previous(b.size() + 1);
  std::vector<int> current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same =
          std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (same ? 0 : 1)});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string did_you_mean(const std::string& key, const std::vector<std::string>& candidates) {
  // No known key is near this long; a longer one is no misspelling, and edit distance is quadratic.
  constexpr std::size_t kLongestSuggestedKey = 64;
  if (key.size() > kLongestSuggestedKey) return "";
  // Up to a third of the key's length may differ (at least 2 edits), so "zero_optimisation" and
  // "train_batch_szie" find their key while unrelated words suggest nothing.
  const int limit = std::max(2, static_cast<int>(key.size()) / 3);
  int best = limit + 1;
  std::string best_candidate;
  for (const auto& candidate : candidates) {
    // The lengths alone bound the distance from below: skip what cannot be within the limit.
    const std::size_t gap =
        key.size() > candidate.size() ? key.size() - candidate.size() : candidate.size() - key.size();
    if (gap > static_cast<std::size_t>(limit)) continue;
    const int d = edit_distance(key, candidate);
    if (d < best) {
      best = d;
      best_candidate = candidate;
    }
  }
  return best_candidate.empty() ? "" : " (did you mean '" + best_candidate + "'?)";
}

}  // namespace zl::config
