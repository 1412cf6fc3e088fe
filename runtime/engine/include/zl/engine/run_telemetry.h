// RunTelemetry: what a training rank reports after every optimizer step, in one place:
//   - Prometheus: the zlaunch_* catalog (metrics/rank_metrics.h) served on bind:port when enabled;
//   - the step log <run_dir>/steps/rank_<K>.jsonl that `zlaunch report` plots (metrics/run_report.h),
//     and the same rows in train's --log_json file when one is given;
//   - optionally, one push of the final values to a Prometheus Pushgateway when the telemetry is
//     destroyed at the end of the run (metrics/pushgateway.h), for jobs too short to be scraped.
// Communication totals come from the Communicator's instrumentation and memory from the accounting
// allocator, so the numbers are the same ones the tests check. Single-threaded (the training thread).
//
// The step log's row, one JSON object per optimizer step and line, flushed after the step; built in
// one place (record_step), so every file that receives rows has this schema (docs/runtime.md):
//   step                   1-based optimizer step of the training (a resumed run goes on counting)
//   attempt                ZLAUNCH_ATTEMPT of the process that took the step
//   loss, lr, grad_norm    the global batch's mean token loss, the rate the step used, the L2 norm
//                          before clipping (the same on every rank)
//   tokens                 tokens of the step's global batch: micro x accumulation x world x context
//   rank_tokens            this rank's tokens in the step (micro x accumulation x context)
//   tokens_total           global tokens since step 0 of the training: step x tokens (the global batch
//                          is fixed for a training; resuming checks it), resumed steps included
//   seconds                wall time of the step on this rank
//   loss_scale, skipped    the fp16 loss scale the step used (1 without), whether the step was skipped;
//   skipped_reason         only on a skipped step: "overflow" | "nonfinite"
//   world_size, zero_stage
//   memory, memory_peak    this rank's bytes on the run's device by kind (params, grads, optimizer,
//                          master, activations, buffers) and "total", now and at the peak since the
//                          process started (the peak total is the peak of the sum, not a sum of peaks)
//   comm                   {collective: {calls, bytes, seconds}} totals of this process
//   comm_exposed_seconds   seconds the training thread waited for communication, total of this process
#pragma once

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "zl/comm/communicator.h"
#include "zl/engine/engine.h"
#include "zl/metrics/rank_metrics.h"
#include "zl/runtime/allocator.h"

namespace prometheus {
class Registry;
}
namespace zl::metrics {
class Endpoint;
}

namespace zl::engine {

struct TelemetryOptions {
  bool metrics_enabled = false;
  std::string metrics_bind = "127.0.0.1";
  int metrics_port = 0;  // this rank's port (metrics.port + LOCAL_RANK); 0 = any free port
  std::string run_dir;   // "" = no <run_dir>/steps/rank_<K>.jsonl
  std::string log_json;  // train's --log_json file of this rank, receiving the same rows; "" = none
  // ZLAUNCH_ATTEMPT, carried by every row. Attempt 0 starts the step logs afresh; a restart (> 0)
  // appends, so a run's log keeps the steps of every attempt (a restarted attempt repeats the steps
  // after its checkpoint: `attempt` tells them apart).
  int attempt = 0;
  // Pushgateway URL for the final push; "" = ZLAUNCH_METRICS_PUSHGATEWAY from the launcher (DESIGN.md
  // §3), and no push when that is unset too. Independent of metrics_enabled: a rank that serves no
  // /metrics still pushes. Grouping key {run_id, rank}: run_id "" = ZLAUNCH_RUN_ID.
  std::string pushgateway;
  std::string run_id;
  metrics::RunInfo run_info;
  std::string device = "cpu";  // the metrics' device label, and the device whose memory is reported
};

class RunTelemetry {
 public:
  // Throws zl::InfrastructureError naming the address when the metrics port cannot be bound.
  RunTelemetry(const TelemetryOptions& options, const comm::Communicator& comm, const runtime::Allocator& allocator);
  // Pushes the final values when a Pushgateway is configured; a failed push is a warning on stderr
  // (the run's result does not depend on it), never an exception.
  ~RunTelemetry();

  // Optimizer step `step` (1-based): its result (result.tokens: the global batch's tokens), learning
  // rate, wall time and this rank's tokens and samples. Updates the metrics and writes one row to
  // every step log.
  void record_step(std::int64_t step, const StepResult& result, double lr, double seconds, std::int64_t rank_tokens,
                   std::int64_t rank_samples);
  void record_rendezvous(double seconds);
  // One checkpoint save, its wall time (zlaunch_checkpoint_duration_seconds).
  void record_checkpoint(double seconds);

  // The port actually serving /metrics, or 0 when metrics are off.
  [[nodiscard]] int metrics_port() const;
  // The endpoint serving /metrics (its scrape address, the port asked for), or nullptr when off.
  [[nodiscard]] const metrics::Endpoint* endpoint() const { return endpoint_.get(); }
  [[nodiscard]] const std::string& step_log_path() const { return step_log_path_; }

 private:
  const comm::Communicator& comm_;
  const runtime::Allocator& allocator_;
  runtime::Device memory_device_;
  std::unique_ptr<metrics::Endpoint> endpoint_;
  std::shared_ptr<prometheus::Registry> registry_;  // the endpoint's, or a private one for push only
  std::unique_ptr<metrics::RankMetrics> metrics_;
  std::string pushgateway_;
  std::map<std::string, std::string> push_grouping_;
  int attempt_ = 0;
  int zero_stage_ = 0;
  std::string step_log_path_;
  std::vector<std::ofstream> step_logs_;  // <run_dir>/steps/rank_<K>.jsonl and --log_json, when given
};

}  // namespace zl::engine
