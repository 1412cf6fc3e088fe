// Per-step Prometheus updates and step-log lines (run_telemetry.h).
#include "zl/engine/run_telemetry.h"

#include <prometheus/registry.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "zl/base/error.h"
#include "zl/metrics/endpoint.h"
#include "zl/metrics/pushgateway.h"

namespace zl::engine {
namespace {

// The catalog's memory kinds (metrics::kMemoryKinds) in the allocator's order.
constexpr runtime::MemoryKind kKinds[] = {runtime::MemoryKind::kParams,      runtime::MemoryKind::kGrads,
                                          runtime::MemoryKind::kOptimizer,   runtime::MemoryKind::kMaster,
                                          runtime::MemoryKind::kActivations, runtime::MemoryKind::kBuffers};
constexpr comm::Collective kCollectives[] = {comm::Collective::kAllReduce, comm::Collective::kReduceScatter,
                                             comm::Collective::kAllGather, comm::Collective::kBroadcast,
                                             comm::Collective::kBarrier};
static_assert(sizeof kKinds / sizeof kKinds[0] == metrics::kMemoryKinds.size());
static_assert(sizeof kCollectives / sizeof kCollectives[0] == metrics::kCollectives.size());

std::string or_env(const std::string& value, const char* name) {
  if (!value.empty()) return value;
  const char* env = std::getenv(name);
  return env != nullptr ? env : "";
}

// A step log of attempt `attempt`: truncated by attempt 0, appended to by a restart (run_telemetry.h).
std::ofstream open_step_log(const std::string& path, int attempt, const std::string& unwritable) {
  std::ofstream out(path, attempt == 0 ? std::ios::trunc : std::ios::app);
  if (!out) throw UsageError(unwritable);
  return out;
}

// {kind: bytes, ..., "total": bytes} of one device, now (peak = false) or at the peak.
nlohmann::json memory_row(const runtime::MemoryStats& memory, runtime::Device device, bool peak) {
  nlohmann::json row = nlohmann::json::object();
  for (std::size_t k = 0; k < metrics::kMemoryKinds.size(); ++k) {
    row[metrics::kMemoryKinds[k]] =
        peak ? memory.peak_bytes(kKinds[k], device) : memory.current_bytes(kKinds[k], device);
  }
  const auto d = static_cast<std::size_t>(device);
  row["total"] = peak ? memory.total_peak[d] : memory.total_current[d];
  return row;
}

}  // namespace

RunTelemetry::RunTelemetry(const TelemetryOptions& options, const comm::Communicator& comm,
                           const runtime::Allocator& allocator)
    : comm_(comm),
      allocator_(allocator),
      memory_device_(options.device == "cuda" ? runtime::Device::kCuda : runtime::Device::kCpu),
      attempt_(options.attempt),
      zero_stage_(options.run_info.zero_stage) {
  pushgateway_ = or_env(options.pushgateway, "ZLAUNCH_METRICS_PUSHGATEWAY");
  if (!pushgateway_.empty()) {
    metrics::parse_pushgateway_url(pushgateway_);  // a bad URL fails at start, not after the run
    push_grouping_ = {{"rank", std::to_string(comm.rank())}};
    // An empty label value cannot be part of the gateway's URL path; outside zlaunch there is no run id.
    if (const std::string run_id = or_env(options.run_id, "ZLAUNCH_RUN_ID"); !run_id.empty())
      push_grouping_["run_id"] = run_id;
  }
  if (options.metrics_enabled) {
    endpoint_ = std::make_unique<metrics::Endpoint>(options.metrics_bind, options.metrics_port);
    registry_ = endpoint_->shared_registry();
  } else if (!pushgateway_.empty()) {
    registry_ = std::make_shared<prometheus::Registry>();
  }
  if (registry_) metrics_ = std::make_unique<metrics::RankMetrics>(*registry_, options.run_info, options.device);
  if (!options.run_dir.empty()) {
    const std::filesystem::path dir = std::filesystem::path(options.run_dir) / "steps";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    step_log_path_ = (dir / ("rank_" + std::to_string(comm.rank()) + ".jsonl")).string();
    step_logs_.push_back(
        open_step_log(step_log_path_, attempt_,
                      "cannot write the step log " + step_log_path_ + " (the run directory must be writable)"));
  }
  if (!options.log_json.empty()) {
    step_logs_.push_back(open_step_log(options.log_json, attempt_,
                                       "--log_json " + options.log_json + ": cannot open the file for writing"));
  }
}

RunTelemetry::~RunTelemetry() {
  if (pushgateway_.empty() || !registry_) return;
  try {
    metrics::push_to_gateway(pushgateway_, push_grouping_, registry_);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train: warning: final metrics not pushed: %s\n", e.what());
  }
}

int RunTelemetry::metrics_port() const { return endpoint_ ? endpoint_->port() : 0; }

void RunTelemetry::record_rendezvous(double seconds) {
  if (metrics_) metrics_->record_rendezvous(seconds);
}

void RunTelemetry::record_checkpoint(double seconds) {
  if (metrics_) metrics_->record_checkpoint(seconds);
}

void RunTelemetry::record_step(std::int64_t step, const StepResult& result, double lr, double seconds,
                               std::int64_t rank_tokens, std::int64_t rank_samples) {
  const comm::CommStats comm = comm_.stats();
  const runtime::MemoryStats memory = allocator_.stats();
  if (metrics_) {
    metrics_->record_step({seconds, static_cast<std::uint64_t>(rank_tokens), static_cast<std::uint64_t>(rank_samples),
                           result.loss, lr, result.grad_norm, result.loss_scale});
    // zlaunch_skipped_steps_total{reason}: fp16 overflow ("overflow") or a non-finite bf16 gradient.
    if (result.skipped) metrics_->record_skipped_step(result.skipped_reason == "overflow" ? 0 : 1);
    for (std::size_t i = 0; i < metrics::kCollectives.size(); ++i) {
      const auto& s = comm.of(kCollectives[i]);
      metrics_->record_collective_totals(i, {s.calls, s.payload_bytes, s.seconds});
    }
    metrics_->record_exposed_comm_total(comm.exposed_seconds);
    for (std::size_t k = 0; k < metrics::kMemoryKinds.size(); ++k) {
      metrics_->record_memory(k, static_cast<std::uint64_t>(memory.current_bytes(kKinds[k], memory_device_)),
                              static_cast<std::uint64_t>(memory.peak_bytes(kKinds[k], memory_device_)));
    }
  }
  if (step_logs_.empty()) return;
  nlohmann::json row = {{"step", step},
                        {"attempt", attempt_},
                        {"loss", result.loss},
                        {"lr", lr},
                        {"grad_norm", result.grad_norm},
                        {"tokens", result.tokens},
                        {"rank_tokens", rank_tokens},
                        {"tokens_total", step * result.tokens},
                        {"seconds", seconds},
                        {"loss_scale", result.loss_scale},
                        {"skipped", result.skipped},
                        {"world_size", comm_.size()},
                        {"zero_stage", zero_stage_},
                        {"memory", memory_row(memory, memory_device_, false)},
                        {"memory_peak", memory_row(memory, memory_device_, true)}};
  if (result.skipped) row["skipped_reason"] = result.skipped_reason;
  for (std::size_t i = 0; i < metrics::kCollectives.size(); ++i) {
    const auto& s = comm.of(kCollectives[i]);
    row["comm"][metrics::kCollectives[i]] = {{"calls", s.calls}, {"bytes", s.payload_bytes}, {"seconds", s.seconds}};
  }
  row["comm_exposed_seconds"] = comm.exposed_seconds;
  const std::string line = row.dump() + '\n';
  for (std::ofstream& log : step_logs_) {
    log << line;
    log.flush();
  }
}

}  // namespace zl::engine
