// find_hang_culprit() and describe_hang() (hang_culprit.h).
#include "zl/launcher/hang_culprit.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

namespace zl::launcher {
namespace {

using std::chrono::milliseconds;

bool is_silent(const RankProgress& r, milliseconds hang_timeout, milliseconds monitor_interval) {
  const milliseconds threshold =
      r.heartbeat_period.count() > 0 ? silence_threshold(r.heartbeat_period, monitor_interval) : hang_timeout;
  return r.since_heartbeat >= threshold;
}

// "3.1 s"
std::string seconds(milliseconds d) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return text;
}

}  // namespace

milliseconds silence_threshold(milliseconds heartbeat_period, milliseconds monitor_interval) {
  return 4 * heartbeat_period + monitor_interval;
}

std::optional<HangVerdict> find_hang_culprit(const std::vector<RankProgress>& ranks, milliseconds hang_timeout,
                                             milliseconds monitor_interval) {
  const bool any_stalled =
      std::any_of(ranks.begin(), ranks.end(), [&](const RankProgress& r) { return r.since_progress >= hang_timeout; });
  if (!any_stalled) return std::nullopt;

  std::vector<bool> silent(ranks.size());
  for (std::size_t i = 0; i < ranks.size(); ++i) silent[i] = is_silent(ranks[i], hang_timeout, monitor_interval);
  const bool any_silent = std::find(silent.begin(), silent.end(), true) != silent.end();

  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    if (any_silent ? silent[i] : ranks[i].since_progress >= hang_timeout) candidates.push_back(i);
  }
  // Smallest key first: not in a collective, earlier step, quiet longer, lower rank.
  const auto key = [&](std::size_t i) {
    const RankProgress& r = ranks[i];
    const std::int64_t step = r.reported ? r.step : -1;
    const milliseconds quiet = any_silent ? r.since_heartbeat : r.since_progress;
    return std::make_tuple(r.reported && !r.collective.empty(), step, -quiet.count(), r.rank);
  };
  const std::size_t culprit = *std::min_element(candidates.begin(), candidates.end(),
                                                [&](std::size_t a, std::size_t b) { return key(a) < key(b); });

  HangVerdict verdict;
  verdict.culprit = culprit;
  verdict.silent = silent[culprit];
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    if (i != culprit && !silent[i] && ranks[i].reported && !ranks[i].collective.empty()) verdict.waiting.push_back(i);
  }
  return verdict;
}

std::string describe_hang(const std::vector<RankProgress>& ranks, const HangVerdict& verdict) {
  const RankProgress& culprit = ranks.at(verdict.culprit);
  std::string where = "no progress report";
  if (culprit.reported) {
    where = "last step " + std::to_string(culprit.step) +
            (culprit.collective.empty() ? ", not in a collective" : ", waiting in " + culprit.collective);
  }
  if (culprit.heartbeat_period.count() > 0) {
    where += verdict.silent
                 ? "; no heartbeat for " + seconds(culprit.since_heartbeat) + ": its process is stopped or frozen"
                 : "; its heartbeat goes on: running but making no progress";
  }
  std::string text = "no progress or output for " + seconds(culprit.since_progress) + " (" + where + ")";
  for (std::size_t k = 0; k < verdict.waiting.size(); ++k) {
    const RankProgress& r = ranks.at(verdict.waiting[k]);
    const milliseconds waited = r.in_state.count() > 0 ? r.in_state : r.since_progress;
    text += (k == 0 ? "; waiting for it: rank " : ", rank ") + std::to_string(r.rank) + " in " + r.collective +
            " at step " + std::to_string(r.step) + " for " + seconds(waited);
  }
  return text;
}

}  // namespace zl::launcher
