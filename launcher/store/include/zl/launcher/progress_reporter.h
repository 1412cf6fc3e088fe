// Progress reports from a rank to its launcher, for hang detection (DESIGN.md §3). The rank calls
// report() at every step and around blocking collectives; the launcher reads the store key
// attempt/<N>/progress/<rank> = {"step": S, "collective": "all_reduce" | "", "seq": K} and reports a rank
// whose value (and output) has not changed for --hang_timeout seconds, naming its last step and the
// collective it is waiting in.
//
// Cost: one store round trip per report (tens of microseconds on loopback); call it at step granularity
// and on entering/leaving collectives, not per element. Not thread-safe: one reporter per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace zl::launcher {

class StoreClient;

class ProgressReporter {
 public:
  // Connects through ZLAUNCH_STORE/ZLAUNCH_STORE_TOKEN with the rank from the environment; when those
  // are absent (not run under zlaunch) the reporter is disabled and report() does nothing.
  ProgressReporter();
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
  std::unique_ptr<StoreClient> client_;
  std::string key_;
  std::int64_t seq_ = 0;
};

// The key a rank's progress lives under.
std::string progress_key(int attempt, int rank);

}  // namespace zl::launcher
