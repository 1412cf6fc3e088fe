// The zlaunch_* catalog (rank_metrics.h): names, HELP texts, units and buckets in one place.
#include "zl/metrics/rank_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "zl/metrics/process_sampler.h"

namespace zl::metrics {
namespace {

// Step times from 1 ms to ~65 s; checkpoints from 10 ms to ~10 min.
prometheus::Histogram::BucketBoundaries exponential(double start, double factor, int count) {
  prometheus::Histogram::BucketBoundaries bounds;
  double value = start;
  for (int i = 0; i < count; ++i, value *= factor) bounds.push_back(value);
  return bounds;
}

}  // namespace

void RankMetrics::CounterFeed::advance_to(double total) {
  if (total > last_total) counter->Increment(total - last_total);
  last_total = total;
}

RankMetrics::RankMetrics(prometheus::Registry& registry, const RunInfo& info, const std::string& device) {
  prometheus::BuildGauge()
      .Name("zlaunch_run_info")
      .Help(
          "Facts of this run (value 1): zlaunch version, ZeRO stage, world size, backend, precision, device, model, "
          "and the run id and rank this process belongs to")
      .Register(registry)
      .Add({{"version", info.version},
            {"zero_stage", std::to_string(info.zero_stage)},
            {"world_size", std::to_string(info.world_size)},
            {"backend", info.backend},
            {"precision", info.precision},
            {"device", info.device},
            {"model", info.model},
            {"run_id", info.run_id},
            {"rank", std::to_string(info.rank)}})
      .Set(1);

  auto& calls = prometheus::BuildCounter()
                    .Name("zlaunch_collective_calls_total")
                    .Help("Collective operations completed by this rank")
                    .Register(registry);
  auto& bytes = prometheus::BuildCounter()
                    .Name("zlaunch_collective_payload_bytes_total")
                    .Help(
                        "Payload of completed collectives in bytes, sized as nccl-tests does (full buffer); "
                        "busbw = rate(bytes)/rate(seconds) x nccl-tests factor")
                    .Register(registry);
  auto& seconds = prometheus::BuildCounter()
                      .Name("zlaunch_collective_seconds_total")
                      .Help("Seconds the communication thread spent executing collectives")
                      .Register(registry);
  for (std::size_t i = 0; i < kCollectives.size(); ++i) {
    calls_[i].counter = &calls.Add({{"collective", kCollectives[i]}});
    bytes_[i].counter = &bytes.Add({{"collective", kCollectives[i]}});
    seconds_[i].counter = &seconds.Add({{"collective", kCollectives[i]}});
  }
  exposed_.counter = &prometheus::BuildCounter()
                          .Name("zlaunch_comm_exposed_seconds_total")
                          .Help("Seconds the training thread was blocked waiting for communication (not overlapped)")
                          .Register(registry)
                          .Add({});

  auto& memory = prometheus::BuildGauge()
                     .Name("zlaunch_memory_bytes")
                     .Help("Bytes currently held by this rank, by kind and device (from the accounting allocator)")
                     .Register(registry);
  auto& memory_peak = prometheus::BuildGauge()
                          .Name("zlaunch_memory_peak_bytes")
                          .Help("Peak bytes held by this rank since start, by kind and device")
                          .Register(registry);
  for (std::size_t i = 0; i < kMemoryKinds.size(); ++i) {
    memory_[i] = &memory.Add({{"kind", kMemoryKinds[i]}, {"device", device}});
    memory_peak_[i] = &memory_peak.Add({{"kind", kMemoryKinds[i]}, {"device", device}});
  }

  auto& skipped = prometheus::BuildCounter()
                      .Name("zlaunch_skipped_steps_total")
                      .Help("Optimizer steps skipped, by reason (fp16 loss-scale overflow, non-finite gradients)")
                      .Register(registry);
  for (std::size_t i = 0; i < kSkipReasons.size(); ++i) skipped_[i] = &skipped.Add({{"reason", kSkipReasons[i]}});

  step_duration_ = &prometheus::BuildHistogram()
                        .Name("zlaunch_step_duration_seconds")
                        .Help("Wall time of one optimizer step on this rank")
                        .Register(registry)
                        .Add({}, exponential(0.001, 2.0, 17));
  checkpoint_duration_ = &prometheus::BuildHistogram()
                              .Name("zlaunch_checkpoint_duration_seconds")
                              .Help("Wall time of one checkpoint save on this rank")
                              .Register(registry)
                              .Add({}, exponential(0.01, 2.0, 16));
  steps_ = &prometheus::BuildCounter()
                .Name("zlaunch_optimizer_steps_total")
                .Help("Optimizer steps taken")
                .Register(registry)
                .Add({});
  tokens_ = &prometheus::BuildCounter()
                 .Name("zlaunch_tokens_total")
                 .Help("Tokens processed by this rank")
                 .Register(registry)
                 .Add({});
  samples_ = &prometheus::BuildCounter()
                  .Name("zlaunch_samples_total")
                  .Help("Samples processed by this rank")
                  .Register(registry)
                  .Add({});
  loss_ = &prometheus::BuildGauge()
               .Name("zlaunch_loss")
               .Help("Training loss of the last step (nats per token, mean over the global batch)")
               .Register(registry)
               .Add({});
  learning_rate_ = &prometheus::BuildGauge()
                        .Name("zlaunch_learning_rate")
                        .Help("Learning rate of the last step")
                        .Register(registry)
                        .Add({});
  grad_norm_ = &prometheus::BuildGauge()
                    .Name("zlaunch_grad_norm")
                    .Help("Global gradient L2 norm of the last step, before clipping")
                    .Register(registry)
                    .Add({});
  loss_scale_ = &prometheus::BuildGauge()
                     .Name("zlaunch_loss_scale")
                     .Help("Current fp16 loss scale (1 without fp16)")
                     .Register(registry)
                     .Add({});
  rendezvous_ = &prometheus::BuildGauge()
                     .Name("zlaunch_rendezvous_duration_seconds")
                     .Help("Seconds this rank spent building its communicator at start")
                     .Register(registry)
                     .Add({});
}

void RankMetrics::record_step(const StepRecord& step) {
  step_duration_->Observe(step.seconds);
  steps_->Increment();
  tokens_->Increment(static_cast<double>(step.tokens));
  samples_->Increment(static_cast<double>(step.samples));
  loss_->Set(step.loss);
  learning_rate_->Set(step.learning_rate);
  grad_norm_->Set(step.grad_norm);
  loss_scale_->Set(step.loss_scale);
}

void RankMetrics::record_collective_totals(std::size_t collective, const CollectiveTotals& totals) {
  calls_.at(collective).advance_to(static_cast<double>(totals.calls));
  bytes_.at(collective).advance_to(static_cast<double>(totals.payload_bytes));
  seconds_.at(collective).advance_to(totals.seconds);
}

void RankMetrics::record_exposed_comm_total(double seconds) { exposed_.advance_to(seconds); }

void RankMetrics::record_memory(std::size_t kind, std::uint64_t current_bytes, std::uint64_t peak_bytes) {
  memory_.at(kind)->Set(static_cast<double>(current_bytes));
  memory_peak_.at(kind)->Set(static_cast<double>(peak_bytes));
}

void RankMetrics::record_skipped_step(std::size_t reason) { skipped_.at(reason)->Increment(); }
void RankMetrics::record_checkpoint(double seconds) { checkpoint_duration_->Observe(seconds); }
void RankMetrics::record_rendezvous(double seconds) { rendezvous_->Set(seconds); }

LauncherMetrics::LauncherMetrics(prometheus::Registry& registry) {
  ranks_alive_ = &prometheus::BuildGauge()
                      .Name("zlaunch_launcher_ranks_alive")
                      .Help("Ranks of this machine currently running")
                      .Register(registry)
                      .Add({});
  restarts_ = &prometheus::BuildCounter()
                   .Name("zlaunch_launcher_restarts_total")
                   .Help("Restarts of the whole group by this launcher")
                   .Register(registry)
                   .Add({});
  hangs_ = &prometheus::BuildCounter()
                .Name("zlaunch_launcher_hang_detections_total")
                .Help("Ranks reported silent for longer than --hang_timeout")
                .Register(registry)
                .Add({});
  rendezvous_ = &prometheus::BuildGauge()
                     .Name("zlaunch_launcher_rendezvous_duration_seconds")
                     .Help(
                         "Seconds the latest rendezvous of the machines' launchers took (store start or join, and the "
                         "wait for every machine)")
                     .Register(registry)
                     .Add({});
  rank_cpu_seconds_ = &prometheus::BuildCounter()
                           .Name("zlaunch_rank_process_cpu_seconds_total")
                           .Help("CPU seconds (user + system) the rank's process has used, as the launcher sees it")
                           .Register(registry);
  rank_resident_bytes_ = &prometheus::BuildGauge()
                              .Name("zlaunch_rank_process_resident_bytes")
                              .Help("Resident memory of the rank's process in bytes (VmRSS)")
                              .Register(registry);
  rank_threads_ = &prometheus::BuildGauge()
                       .Name("zlaunch_rank_process_threads")
                       .Help("Threads of the rank's process")
                       .Register(registry);
  rank_gpu_memory_bytes_ = &prometheus::BuildGauge()
                                .Name("zlaunch_rank_gpu_memory_bytes")
                                .Help("GPU memory the rank's process uses in bytes, summed over all GPUs (NVML)")
                                .Register(registry);
}

void LauncherMetrics::set_ranks_alive(int ranks) { ranks_alive_->Set(ranks); }
void LauncherMetrics::record_restart() { restarts_->Increment(); }
void LauncherMetrics::record_hang_detection() { hangs_->Increment(); }
void LauncherMetrics::record_rendezvous(double seconds) { rendezvous_->Set(seconds); }

void LauncherMetrics::record_rank_process(int rank, int local_rank, const ProcessSample& sample,
                                          std::optional<std::uint64_t> gpu_memory_bytes) {
  const prometheus::Labels labels = {{"rank", std::to_string(rank)}, {"local_rank", std::to_string(local_rank)}};
  RankProcessSeries& series = rank_process_[rank];
  if (series.cpu_seconds == nullptr) {
    series.cpu_seconds = &rank_cpu_seconds_->Add(labels);
    series.resident_bytes = &rank_resident_bytes_->Add(labels);
    series.threads = &rank_threads_->Add(labels);
  }
  if (sample.cpu_seconds > series.cpu_seconds_total) {
    series.cpu_seconds->Increment(sample.cpu_seconds - series.cpu_seconds_total);
    series.cpu_seconds_total = sample.cpu_seconds;
  }
  series.resident_bytes->Set(static_cast<double>(sample.resident_bytes));
  series.threads->Set(sample.threads);
  if (gpu_memory_bytes) {
    if (series.gpu_memory_bytes == nullptr) series.gpu_memory_bytes = &rank_gpu_memory_bytes_->Add(labels);
    series.gpu_memory_bytes->Set(static_cast<double>(*gpu_memory_bytes));
  }
}

void LauncherMetrics::remove_rank_process(int rank) {
  const auto found = rank_process_.find(rank);
  if (found == rank_process_.end()) return;
  const RankProcessSeries& series = found->second;
  rank_cpu_seconds_->Remove(series.cpu_seconds);
  rank_resident_bytes_->Remove(series.resident_bytes);
  rank_threads_->Remove(series.threads);
  if (series.gpu_memory_bytes != nullptr) rank_gpu_memory_bytes_->Remove(series.gpu_memory_bytes);
  rank_process_.erase(found);
}

}  // namespace zl::metrics
