// RunTelemetry: what a training rank reports after every optimizer step, in one place:
//   - Prometheus: the zlaunch_* catalog (metrics/rank_metrics.h) served on bind:port when enabled;
//   - the step log <run_dir>/steps/rank_<K>.jsonl that `zlaunch report` plots (metrics/run_report.h);
//   - optionally, one push of the final values to a Prometheus Pushgateway when the telemetry is
//     destroyed at the end of the run (metrics/pushgateway.h), for jobs too short to be scraped.
// Communication totals come from the Communicator's instrumentation and memory from the accounting
// allocator, so the numbers are the same ones the tests check. Single-threaded (the training thread).
#pragma once

#include <fstream>
#include <map>
#include <memory>
#include <string>

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
  std::string run_dir;   // "" = no step log
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

  // One optimizer step: its result, learning rate, wall time and this rank's tokens and samples.
  void record_step(std::int64_t step, const StepResult& result, double lr, double seconds, std::int64_t rank_tokens,
                   std::int64_t rank_samples);
  void record_rendezvous(double seconds);

  // The port actually serving /metrics, or 0 when metrics are off.
  [[nodiscard]] int metrics_port() const;
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
  std::string step_log_path_;
  std::ofstream step_log_;
};

}  // namespace zl::engine
