// Progress reports from a rank to its launcher, for hang detection (DESIGN.md §3). The rank calls
// report() at every step and around blocking collectives; the launcher reads the store key
// attempt/<N>/progress/<rank> =
//   {"step": S, "collective": "all_reduce" | "", "seq": K, "state_ms": T[, "heartbeat_ms": P]}
// where seq counts reports (every report changes the value), state_ms is how long the rank has been
// on this step and collective (since the first report naming them), and heartbeat_ms is present when
// the reporter promises to report at least every P ms whether or not anything changed. A step or
// collective that has not changed for --hang_timeout seconds makes the rank stalled; a value that has
// not changed at all for a few heartbeat periods means the process is not running (stopped, frozen),
// which is how the launcher tells the rank that stopped from the ranks waiting for it
// (zl/launcher/hang_culprit.h).
//
// Cost: one store round trip per report (tens of microseconds on loopback); call it at step granularity
// and on entering/leaving collectives, not per element. Not thread-safe: one reporter per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "zl/rank/rank_context.h"

namespace zl::store {
class StoreClient;
}

namespace zl::rank {

class ProgressReporter {
 public:
  // Connects to the context's store as its rank; without a store (not run under zlaunch) the reporter
  // is disabled and report() does nothing. A heartbeat_period > 0 is a promise that the caller calls
  // report() at least that often; it is published so the launcher can tell a silent rank from a live
  // one. 0 promises nothing (reports only when something changes).
  explicit ProgressReporter(const RankContext& context,
                            std::chrono::milliseconds heartbeat_period = std::chrono::milliseconds(0));
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // Publishes the step and the collective the rank is about to wait in ("" = none). Store failures are
  // swallowed after disabling the reporter: progress reports must never kill training.
  void report(std::int64_t step, std::string_view collective = "");
  [[nodiscard]] bool enabled() const { return client_ != nullptr; }
  // The store key this reporter writes ("attempt/<N>/progress/<rank>").
  [[nodiscard]] const std::string& key() const { return key_; }

 private:
  std::unique_ptr<store::StoreClient> client_;
  std::string key_;
  std::chrono::milliseconds heartbeat_period_;
  std::int64_t seq_ = 0;
  // The step and collective of the previous report, and when they were first reported.
  std::int64_t state_step_ = -1;
  std::string state_collective_;
  std::chrono::steady_clock::time_point state_since_;
};

}  // namespace zl::rank
