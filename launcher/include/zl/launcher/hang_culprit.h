// Which rank a hang is blamed on (DESIGN.md §3, docs/launcher.md "Hang detection"). When one rank
// stops, the others soon block in a collective waiting for it, so every rank stops making progress;
// the rule below tells the rank that stopped from the ranks that wait for it, using what the launcher
// saw of each rank: when its progress report (zl/rank/progress_reporter.h) or output last changed, the
// heartbeat its reports promise, and its last step and collective.
//
// The rule, applied once any rank is stalled (no new step or collective, and no output, for
// --hang_timeout):
//   1. Silent ranks come first. A rank is silent when nothing of it has changed (report or output)
//      for silence_threshold() of its heartbeat period: its process is not running (stopped, frozen).
//      A silent rank need not be stalled itself: it may have stopped a moment after the rank that
//      crossed the timeout first began waiting for it. A rank that promises no heartbeat counts as
//      silent once nothing of it has changed for --hang_timeout.
//   2. Otherwise the candidates are the stalled ranks, all alive.
//   3. Among the candidates: a rank not in a collective (stuck in its own compute) before one in a
//      collective; then the earlier step (a rank that never reported counts as before step 0); then
//      the one quiet longest (silent: since anything changed; alive: since its last progress); then the
//      lowest rank.
// Pure functions of their arguments: no clock, no I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zl::launcher {

// What the launcher saw of one running rank at the moment it checks for a hang.
struct RankProgress {
  int rank = 0;
  // Since its step or collective last changed or it wrote output (or since it started).
  std::chrono::milliseconds since_progress{0};
  // Since its progress value changed in any way (a heartbeat counts) or it wrote output.
  std::chrono::milliseconds since_heartbeat{0};
  // The period its reports promise ("heartbeat_ms"); 0 = none promised.
  std::chrono::milliseconds heartbeat_period{0};
  bool reported = false;  // a progress report has been read; step and collective are its values
  std::int64_t step = -1;
  std::string collective;  // "" = not in a collective
  // How long it has been on this step and collective by its own clock (its report's "state_ms" plus
  // the time since that report); 0 when unknown.
  std::chrono::milliseconds in_state{0};
};

// How long a rank promising heartbeat_period may go without any change before it counts as silent:
// four periods (a beat or two may be late on a busy machine) plus one monitor interval (the launcher
// sees changes only that often). With no period promised, silence is judged by hang_timeout instead.
std::chrono::milliseconds silence_threshold(std::chrono::milliseconds heartbeat_period,
                                            std::chrono::milliseconds monitor_interval);

struct HangVerdict {
  std::size_t culprit = 0;  // index into the ranks given
  bool silent = false;      // rule 1 chose it: its process has stopped running
  // Indices of the other ranks that are not silent and whose last report names a collective (the
  // ranks waiting for the culprit), in the order given.
  std::vector<std::size_t> waiting;
};

// The culprit by the rule above, or nullopt while no rank is stalled. hang_timeout > 0.
std::optional<HangVerdict> find_hang_culprit(const std::vector<RankProgress>& ranks,
                                             std::chrono::milliseconds hang_timeout,
                                             std::chrono::milliseconds monitor_interval);

// The reason reported for the culprit, e.g.
//   "no progress or output for 3.1 s (last step 12, not in a collective; no heartbeat for 3.0 s: its
//    process is stopped or frozen); waiting for it: rank 0 in reduce_scatter at step 12 for 3.1 s"
// A waiting rank's time is its in_state, or its since_progress when that is unknown.
std::string describe_hang(const std::vector<RankProgress>& ranks, const HangVerdict& verdict);

}  // namespace zl::launcher
