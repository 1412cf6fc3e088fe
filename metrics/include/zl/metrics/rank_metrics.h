// RankMetrics: the zlaunch_* catalog of one training rank (DESIGN.md §5, docs/metrics.md), created
// once at start-up on an Endpoint's registry. The train loop hands over plain numbers; no metric is
// looked up by name after construction, so updates are a few atomic operations.
//
// Labels: job, run_id, node and rank come from the Prometheus targets file the launcher writes
// (scrape-time target labels), so series here carry only low-cardinality labels of their own:
// collective, kind, device, reason. Counters are fed running totals (as the Communicator and the
// allocator keep them) and advance by the difference, so a total read twice is never counted twice.
// Thread safety: one updating thread (the train loop); scrapes may run concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace zl::metrics {

struct ProcessSample;  // process_sampler.h

struct RunInfo {
  std::string version;
  int zero_stage = 0;
  int world_size = 1;
  std::string backend;    // gloo | mpi | nccl
  std::string precision;  // no | fp16 | bf16
  std::string device;     // cpu | cuda
  std::string model;      // e.g. "small" or "4,4,128,128,256"
  // The run and rank the process belongs to, as the process itself knows them (ZLAUNCH_RUN_ID, its
  // rank): the targets file's labels say the same, so a mismatch in Prometheus shows a wrong target.
  std::string run_id;  // "" outside zlaunch run
  int rank = 0;
};

// The collectives, memory kinds and skip reasons the catalog knows; fixed so every series exists from
// the first scrape (a dashboard never shows "no data" for a collective that simply has not run yet).
inline constexpr std::array<const char*, 5> kCollectives = {"all_reduce", "reduce_scatter", "all_gather", "broadcast",
                                                            "barrier"};
inline constexpr std::array<const char*, 6> kMemoryKinds = {"params", "grads",       "optimizer",
                                                            "master", "activations", "buffers"};
inline constexpr std::array<const char*, 2> kSkipReasons = {"fp16_overflow", "nonfinite_gradients"};

struct CollectiveTotals {
  std::uint64_t calls = 0;
  std::uint64_t payload_bytes = 0;
  double seconds = 0.0;
};

struct StepRecord {
  double seconds = 0.0;      // wall time of the optimizer step (forward + backward + reduce + update)
  std::uint64_t tokens = 0;  // tokens this rank processed in the step
  std::uint64_t samples = 0;
  double loss = 0.0;
  double learning_rate = 0.0;
  double grad_norm = 0.0;
  double loss_scale = 1.0;
};

class RankMetrics {
 public:
  RankMetrics(prometheus::Registry& registry, const RunInfo& info, const std::string& device);

  void record_step(const StepRecord& step);
  // Running totals for one collective (index into kCollectives).
  void record_collective_totals(std::size_t collective, const CollectiveTotals& totals);
  void record_exposed_comm_total(double seconds);
  // Current and peak bytes for one memory kind (index into kMemoryKinds) on this rank's device.
  void record_memory(std::size_t kind, std::uint64_t current_bytes, std::uint64_t peak_bytes);
  void record_skipped_step(std::size_t reason);  // index into kSkipReasons
  void record_checkpoint(double seconds);
  void record_rendezvous(double seconds);

 private:
  struct CounterFeed {
    prometheus::Counter* counter = nullptr;
    double last_total = 0.0;
    void advance_to(double total);
  };

  std::array<CounterFeed, kCollectives.size()> calls_{}, bytes_{}, seconds_{};
  CounterFeed exposed_{};
  std::array<prometheus::Gauge*, kMemoryKinds.size()> memory_{}, memory_peak_{};
  std::array<prometheus::Counter*, kSkipReasons.size()> skipped_{};
  prometheus::Histogram* step_duration_ = nullptr;
  prometheus::Histogram* checkpoint_duration_ = nullptr;
  prometheus::Counter* steps_ = nullptr;
  prometheus::Counter* tokens_ = nullptr;
  prometheus::Counter* samples_ = nullptr;
  prometheus::Gauge* loss_ = nullptr;
  prometheus::Gauge* learning_rate_ = nullptr;
  prometheus::Gauge* grad_norm_ = nullptr;
  prometheus::Gauge* loss_scale_ = nullptr;
  prometheus::Gauge* rendezvous_ = nullptr;
};

// The launcher's own series, served by the launcher of each machine on metrics.port + processes per
// machine (just past its ranks' ports; 0 = any free port) and listed in the targets file with
// role="launcher". Thread safety: one updating thread (the launcher's supervision loop).
//
// Per-rank process series (zlaunch_rank_process_*, zlaunch_rank_gpu_memory_bytes): what the launcher
// sees of each rank it started from outside it (process_sampler.h, nvml_gpu_memory.h), so they exist
// for any program, not only zlaunch's trainer. They carry labels rank (global) and local_rank, which
// the launcher's target lacks. A rank's series appear with its first sample and are removed (not
// left at their last value) when it exits, so a dead rank never looks alive; a restarted rank starts
// new series, its CPU counter from 0, which rate() reads as a counter reset.
class LauncherMetrics {
 public:
  explicit LauncherMetrics(prometheus::Registry& registry);
  void set_ranks_alive(int ranks);
  void record_restart();
  void record_hang_detection();
  // Seconds the latest rendezvous of this machine's launcher took (store start or join, plus the
  // machines' wait for each other at the start of an attempt).
  void record_rendezvous(double seconds);

  // Sets the rank's CPU, resident memory and thread series, and its GPU memory series when
  // gpu_memory_bytes is given (creating each on its first value). The launcher gives GPU memory only
  // where NVML answers, so a machine without it has no such series at all rather than zeros.
  void record_rank_process(int rank, int local_rank, const ProcessSample& sample,
                           std::optional<std::uint64_t> gpu_memory_bytes);
  // Removes every per-rank process series of the rank; nothing when it has none.
  void remove_rank_process(int rank);

 private:
  struct RankProcessSeries {
    prometheus::Counter* cpu_seconds = nullptr;
    double cpu_seconds_total = 0.0;  // the running total the counter was last advanced to
    prometheus::Gauge* resident_bytes = nullptr;
    prometheus::Gauge* threads = nullptr;
    prometheus::Gauge* gpu_memory_bytes = nullptr;  // null until the first GPU sample
  };

  prometheus::Gauge* ranks_alive_ = nullptr;
  prometheus::Counter* restarts_ = nullptr;
  prometheus::Counter* hangs_ = nullptr;
  prometheus::Gauge* rendezvous_ = nullptr;
  prometheus::Family<prometheus::Counter>* rank_cpu_seconds_ = nullptr;
  prometheus::Family<prometheus::Gauge>* rank_resident_bytes_ = nullptr;
  prometheus::Family<prometheus::Gauge>* rank_threads_ = nullptr;
  prometheus::Family<prometheus::Gauge>* rank_gpu_memory_bytes_ = nullptr;
  std::map<int, RankProcessSeries> rank_process_;  // by global rank
};

}  // namespace zl::metrics
