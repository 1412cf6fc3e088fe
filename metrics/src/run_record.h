// RunRecord: what `zlaunch report` knows of a run, read once from its run directory (the file
// contracts are in zl/metrics/run_report.h). Private to the report: the summary (report_summary.cc)
// and the charts (run_report.cc) read this, never the files, so each input's quirks (old step logs,
// absent optional files) are settled in one place (run_record_reader.cc, train_console.cc).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zl::metrics::report {

inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// One line of steps/rank_K.jsonl. Numbers the line lacks are kMissing; maps it lacks are empty.
struct StepRecord {
  std::int64_t step = 0;  // 1-based optimizer step
  int attempt = 0;        // 0 in logs written before attempts were recorded
  double loss = kMissing;
  double lr = kMissing;
  double grad_norm = kMissing;
  double loss_scale = kMissing;
  // The step's global batch tokens. Logs written before rank_tokens existed logged this rank's tokens
  // as "tokens"; the reader moves that to rank_tokens and sets tokens = rank_tokens x the number of
  // rank logs (the batch triangle splits the global batch evenly).
  double tokens = kMissing;
  double rank_tokens = kMissing;
  double tokens_total = kMissing;  // global tokens since step 0 of training
  double seconds = kMissing;       // wall time of the step
  bool skipped = false;
  std::string skipped_reason;
  int world_size = 0;                          // 0 = not logged
  int zero_stage = -1;                         // -1 = not logged
  std::map<std::string, double> memory;        // kind -> current bytes ("total" included when logged)
  std::map<std::string, double> memory_peak;   // kind -> peak bytes since the process started
  std::map<std::string, double> comm_seconds;  // collective -> cumulative seconds within the attempt
  double comm_exposed_seconds = kMissing;      // cumulative within the attempt
};

struct RankSteps {
  int rank = 0;
  std::vector<StepRecord> steps;  // file order: attempts appended one after another
};

// One line of attempts.jsonl, written by the launcher after each attempt.
struct AttemptRecord {
  int attempt = 0;
  std::string outcome;  // success | failed | interrupted | hung | peer_failed
  std::optional<int> exit_code;
  std::string root_cause;  // "" when null or absent
  double seconds = kMissing;
};

// memory_estimate.json (zlaunch estimate-memory for the run's model and config): bytes per rank.
struct MemoryEstimate {
  std::string model;
  double parameters = kMissing;
  int zero_stage = -1;
  int world_size = 0;
  std::string precision;
  std::map<std::string, double> per_rank_bytes;  // kind -> bytes ("total" included)
  std::vector<std::string> exact;                // kinds whose estimate is exact
  std::vector<std::string> leaves_out;           // what the estimate does not count
};

// The facts of config.resolved.json the summary shows.
struct ConfigFacts {
  std::vector<std::string> files_used;  // highest precedence first
  int zero_stage = -1;
  int world_size = 0;
  std::string precision;  // no | fp16 | bf16
  std::string model;
  std::string device;
};

// What rank 0's console output (attempt_N/rank_0.out) said about results (train_console.cc).
struct ValidationPoint {
  std::int64_t step = 0;
  int attempt = 0;
  double loss = kMissing;
};
struct TrainConsole {
  std::vector<std::string> files;  // the rank_0.out files read, attempt order
  std::optional<double> final_validation_loss;
  std::string task_score;  // "37.5% (3/8 held-out problems ...)"; "" when never printed
  std::vector<ValidationPoint> validation;
};

struct RunRecord {
  std::string run_dir;
  std::vector<RankSteps> ranks;  // rank order, never empty
  std::optional<ConfigFacts> config;
  std::optional<MemoryEstimate> estimate;
  std::vector<AttemptRecord> attempts;  // empty when attempts.jsonl is absent
  bool has_attempts_file = false;
  TrainConsole console;
  // Why an optional input was not used (absent, malformed: naming file and line); shown on the page.
  std::vector<std::string> notes;
};

// Throws zl::UsageError when run_dir has no step logs, zl::ConfigError naming file:line for a
// malformed step line. Optional inputs that are absent or malformed become notes instead.
RunRecord read_run_record(const std::string& run_dir);

// Reads rank 0's console files of every attempt under run_dir (train_console.cc).
TrainConsole read_train_console(const std::string& run_dir);

}  // namespace zl::metrics::report
