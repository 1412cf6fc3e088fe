// run_attempt() (supervisor.h): one poll() loop over the signalfd and every rank's pipes.
#include "zl/launcher/supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zl/base/error.h"
#include "zl/launcher/external_failure.h"
#include "zl/launcher/external_launch.h"
#include "zl/launcher/hang_culprit.h"
#include "zl/launcher/rank_output.h"
#include "zl/launcher/rank_placement.h"
#include "zl/launcher/rank_process.h"
#include "zl/launcher/signal_channel.h"
#include "zl/launcher/slurm_nodes.h"
#include "zl/launcher/targets_file.h"
#include "zl/metrics/nvml_gpu_memory.h"
#include "zl/metrics/process_sampler.h"
#include "zl/metrics/rank_metrics.h"
#include "zl/store/store_client.h"
#include "zl/store/store_keys.h"

namespace zl::launcher {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kTailLines = 20;
constexpr auto kDrainGrace = std::chrono::milliseconds(300);
// The per-rank process series are sampled on the monitor tick, but no more often than this: two
// small /proc reads per rank and one NVML query per GPU, far cheaper than any scrape interval needs.
constexpr auto kProcessSampleInterval = std::chrono::seconds(1);

// Hang detection of one rank (hang_culprit.h): the last progress report read from the store, as written
// and as parsed, when it last changed at all and when its step or collective last changed.
struct ProgressWatch {
  std::string last_report;
  Clock::time_point report_changed;
  Clock::time_point progress_changed;
  bool reported = false;  // last_report parsed as a report
  std::int64_t step = -1;
  std::string collective;
  std::chrono::milliseconds heartbeat_period{0};
  std::chrono::milliseconds state{0};  // the report's "state_ms"
};

// One supervised child process: a rank, or mpirun/srun standing for all of them.
struct Child {
  int index = 0;  // into outcome.ranks (the first rank for an external launcher)
  SpawnedProcess process;
  std::unique_ptr<RankOutput> out;
  std::unique_ptr<RankOutput> err;
  std::unique_ptr<ExternalOutputDemux> demux;  // external launchers: both of its pipes go here
  bool exited = false;
  Clock::time_point spawned;
  Clock::time_point last_activity;  // last output (or the spawn)
  ProgressWatch progress;           // a rank's; under mpirun/srun each rank has its own (external_progress_)
};

class AttemptRunner {
 public:
  AttemptRunner(const LaunchPlan& plan, const SupervisorSettings& settings, int attempt, SignalChannel& signals,
                store::StoreClient* store)
      : plan_(plan), settings_(settings), attempt_(attempt), signals_(signals), store_(store) {}

  AttemptOutcome run();

 private:
  void spawn_ranks();
  void spawn_external();
  std::unique_ptr<RankOutput> make_output(int rank, bool is_stderr);
  void read_pipe(Child& child, store::net::Fd& fd, bool is_stderr);
  // Whose pipe each polled descriptor is: the child, and whether it is its stderr.
  using PipeOwner = std::pair<Child*, bool>;
  // Appends a POLLIN entry for every still-open rank pipe; the owners, in the same order.
  std::vector<PipeOwner> add_open_pipes(std::vector<pollfd>& fds);
  // Reads every pipe that poll() marked, fds[first + k] belonging to owners[k].
  void read_ready_pipes(const std::vector<pollfd>& fds, std::size_t first, const std::vector<PipeOwner>& owners);
  void reap();
  void on_exit(Child& child, int status);
  void begin_teardown(int sig);
  void signal_all(int sig);
  void handle_signals();
  void read_progress(ProgressWatch& watch, int rank, Clock::time_point now);
  // Each rank's progress as hang detection sees it: this machine's children, or under mpirun/srun
  // every rank, judged by its own reports and its own lines; indices into outcome_.ranks beside.
  void observe_progress(Clock::time_point now, std::vector<RankProgress>& observed, std::vector<int>& index);
  void check_progress();
  void check_peers();
  void check_starts(Clock::time_point now);
  void explain_external_failure();
  void collect_metrics_addresses();
  void write_targets();
  void update_ranks_alive();
  void sample_rank_processes(Clock::time_point now);
  [[nodiscard]] bool all_exited() const;
  void drain_after_exit();
  void collect_tails();

  const LaunchPlan& plan_;
  const SupervisorSettings& settings_;
  int attempt_;
  SignalChannel& signals_;
  store::StoreClient* store_;
  AttemptOutcome outcome_;
  std::vector<Child> children_;
  bool stopping_ = false;
  bool killed_ = false;
  Clock::time_point kill_deadline_;
  Clock::time_point next_monitor_;
  Clock::time_point next_process_sample_;
  Clock::time_point start_deadline_;  // mpirun/srun: when every rank must have announced its start
  bool starts_checked_ = false;
  std::vector<ProgressWatch> external_progress_;  // mpirun/srun: one per rank, by rank
  // Opened at the first sample of the attempt (nvmlInit can take a while on a many-GPU machine
  // without persistence mode; runs without metrics never pay it).
  std::unique_ptr<metrics::NvmlGpuMemory> gpu_memory_;
  Console console_{::isatty(STDOUT_FILENO) == 1 && ::isatty(STDERR_FILENO) == 1};
  // rank -> "host:port" it reported serving /metrics on in this attempt (zl/rank/metrics_address.h).
  std::map<int, std::string> metrics_addresses_;
};

std::unique_ptr<RankOutput> AttemptRunner::make_output(int rank, bool is_stderr) {
  const bool shown = !settings_.off_console.selects(rank % plan_.procs_per_machine, is_stderr) &&
                     (settings_.ranks_filter.empty() || settings_.ranks_filter.count(rank) != 0);
  const std::string prefix = "[" + std::to_string(plan_.machine_rank) + ":" + std::to_string(rank) + "] ";
  return std::make_unique<RankOutput>(prefix, shown ? (is_stderr ? 2 : 1) : -1,
                                      plan_.rank_log_path(attempt_, rank, is_stderr ? "err" : "out"),
                                      is_stderr ? kTailLines : 0, &console_);
}

void AttemptRunner::spawn_ranks() {
  std::vector<std::string> argv = plan_.command;
  for (int local = 0; local < plan_.procs_per_machine; ++local) {
    const int rank = plan_.first_rank() + local;
    RankRecord record;
    record.rank = rank;
    record.local_rank = local;
    record.stderr_path = plan_.rank_log_path(attempt_, rank, "err");
    record.error_file = plan_.error_file_path(attempt_, rank);
    std::remove(record.error_file.c_str());
    Child child;
    child.index = static_cast<int>(outcome_.ranks.size());
    child.out = make_output(rank, false);
    child.err = make_output(rank, true);
    child.process = start_process(argv, rank_environment(plan_, attempt_, local));
    child.spawned = child.last_activity = child.progress.report_changed = child.progress.progress_changed =
        Clock::now();
    outcome_.ranks.push_back(std::move(record));
    children_.push_back(std::move(child));
  }
  // Every guard is forked before the launcher waits for the first program's start.
  for (auto& child : children_) {
    await_program_pid(child.process);
    outcome_.ranks[static_cast<std::size_t>(child.index)].pid = child.process.program_pid;
  }
}

void AttemptRunner::spawn_external() {
  // The external launcher starts every rank; records exist per rank for the report, the pid is
  // mpirun's/srun's.
  for (int rank = 0; rank < plan_.world_size; ++rank) {
    RankRecord record;
    record.rank = rank;
    record.local_rank = rank % plan_.procs_per_machine;
    record.stderr_path = plan_.rank_log_path(attempt_, rank, "err");
    record.error_file = plan_.error_file_path(attempt_, rank);
    std::remove(record.error_file.c_str());
    outcome_.ranks.push_back(std::move(record));
  }
  Child child;
  child.demux = std::make_unique<ExternalOutputDemux>(
      plan_.launcher == config::LauncherKind::kSlurm ? ExternalOutputDemux::Format::kSrunLabels
                                                     : ExternalOutputDemux::Format::kMpirunTags,
      [this](int rank, bool is_stderr) { return make_output(rank, is_stderr); }, 2);
  // The rank contract goes in the external launcher's environment, which carries it to the ranks.
  child.process = spawn_process(settings_.external_command, external_environment(plan_, attempt_));
  child.spawned = child.last_activity = Clock::now();
  external_progress_.assign(outcome_.ranks.size(), ProgressWatch{});
  for (auto& watch : external_progress_) watch.report_changed = watch.progress_changed = child.last_activity;
  for (auto& record : outcome_.ranks) record.pid = child.process.program_pid;
  children_.push_back(std::move(child));
}

// Reads the reports of ranks whose address is not known yet; the targets files are rewritten when one
// arrived. A rank reports once its endpoint is bound (soon after its start), so this runs on every
// monitor tick (--monitor_interval) until all have reported; a program that serves no /metrics never
// reports, and costs one store lookup per rank and tick.
void AttemptRunner::collect_metrics_addresses() {
  if (!plan_.metrics_enabled || store_ == nullptr || metrics_addresses_.size() == outcome_.ranks.size()) return;
  bool arrived = false;
  for (const auto& record : outcome_.ranks) {
    if (metrics_addresses_.count(record.rank) != 0) continue;
    try {
      if (auto address = store_->try_get(store::metrics_address_key(attempt_, record.rank))) {
        metrics_addresses_[record.rank] = std::move(*address);
        arrived = true;
      }
    } catch (const std::exception&) {
      return;  // the store went away: the run is ending
    }
  }
  if (arrived) write_targets();
}

// The ranks that are alive and reported an address, with rank and node from the plan.
void AttemptRunner::write_targets() {
  if (!plan_.metrics_enabled) return;
  const bool external = !settings_.external_command.empty();
  const bool external_alive = external && !children_.empty() && !children_.front().exited;
  std::vector<MetricsTarget> targets;
  for (const auto& record : outcome_.ranks) {
    const auto address = metrics_addresses_.find(record.rank);
    if (address == metrics_addresses_.end() || (external ? !external_alive : record.exited)) continue;
    targets.push_back({address->second, record.rank / plan_.procs_per_machine, record.rank});
  }
  write_run_targets(plan_, std::move(targets));
}

void AttemptRunner::update_ranks_alive() {
  if (settings_.metrics == nullptr) return;
  int alive = 0;
  for (const auto& child : children_) {
    if (child.exited) continue;
    // mpirun/srun stands for every rank it started.
    alive += child.demux ? static_cast<int>(outcome_.ranks.size()) : 1;
  }
  settings_.metrics->set_ranks_alive(alive);
}

// The launcher's per-rank process series (LauncherMetrics::record_rank_process): CPU, resident
// memory and threads of each live rank's own process, and its GPU memory where NVML answers. Not
// under mpirun/srun: the ranks are their children (some on other machines), not ours, and the one
// pid known here is mpirun's/srun's. The process sampled is the program, not its guard
// (rank_process.h). Its guard is not reaped yet (reap() runs first and on_exit() drops the series)
// and reaps the program only to exit right after, unless leftovers keep it for up to 3 s more: a pid
// here is the program's, or one recycled in those seconds, which takes the pid space wrapping.
void AttemptRunner::sample_rank_processes(Clock::time_point now) {
  if (settings_.metrics == nullptr || !settings_.external_command.empty() || now < next_process_sample_) return;
  next_process_sample_ = now + kProcessSampleInterval;
  if (!gpu_memory_) {
    gpu_memory_ = std::make_unique<metrics::NvmlGpuMemory>();
    // Without the NVIDIA driver there is nothing to say (no GPU series, by design); a driver whose
    // NVML does not work is worth a line.
    if (!gpu_memory_->available() && gpu_memory_->library_found()) {
      std::fprintf(stderr, "zlaunch: note: no per-rank GPU memory series: %s\n",
                   gpu_memory_->unavailable_reason().c_str());
    }
  }
  const auto gpu_used = gpu_memory_->used_bytes_by_pid();
  for (const auto& child : children_) {
    if (child.exited) continue;
    const auto sample = metrics::sample_process(child.process.program_pid);
    if (!sample) continue;  // exited since reap(): on_exit() will remove its series
    std::optional<std::uint64_t> gpu_bytes;
    if (gpu_memory_->available()) {
      const auto used = gpu_used.find(child.process.program_pid);
      gpu_bytes = used != gpu_used.end() ? used->second : 0;  // no CUDA context: none used
    }
    const auto& record = outcome_.ranks[static_cast<std::size_t>(child.index)];
    settings_.metrics->record_rank_process(record.rank, record.local_rank, *sample, gpu_bytes);
  }
}

void AttemptRunner::read_pipe(Child& child, store::net::Fd& fd, bool is_stderr) {
  char buffer[65536];
  for (int round = 0; round < 16; ++round) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n > 0) {
      const std::string_view data(buffer, static_cast<std::size_t>(n));
      if (child.demux) {
        child.demux->append(data, is_stderr);
      } else {
        (is_stderr ? child.err : child.out)->append(data);
      }
      child.last_activity = Clock::now();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    fd.reset();  // EOF or error
    return;
  }
}

void AttemptRunner::signal_all(int sig) {
  for (auto& child : children_) {
    if (child.exited) continue;
    ::kill(-child.process.pid, sig);
    outcome_.ranks[static_cast<std::size_t>(child.index)].stopped_by_launcher = true;
  }
}

void AttemptRunner::begin_teardown(int sig) {
  if (!stopping_) {
    stopping_ = true;
    kill_deadline_ = Clock::now() + settings_.shutdown_timeout;
  }
  signal_all(sig);
}

void AttemptRunner::on_exit(Child& child, int status) {
  child.exited = true;
  auto& record = outcome_.ranks[static_cast<std::size_t>(child.index)];
  record.exited = true;
  record.status = status;
  const bool failed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  if (failed && !stopping_) {
    outcome_.kind = AttemptOutcome::Kind::kRankFailed;
    outcome_.exit_code = exit_code_of(status);
    outcome_.root_cause = child.index;
    record.stopped_by_launcher = false;
    if (store_ != nullptr && plan_.launchers() > 1) {
      const nlohmann::json failure = {
          {"machine", plan_.machine_rank},
          {"rank", record.rank},
          {"exit_code", outcome_.exit_code},
          {"description", "rank " + std::to_string(record.rank) + " on machine " + std::to_string(plan_.machine_rank) +
                              " (" + plan_.hostname + ") " + describe_status(status)}};
      try {
        store_->compare_set(store::attempt_prefix(attempt_) + "failed", "", failure.dump());
      } catch (const std::exception&) {
        // The other machines will notice through their own failures or the store going away.
      }
    }
    begin_teardown(SIGTERM);
  }
  if (settings_.metrics != nullptr) settings_.metrics->remove_rank_process(record.rank);
  update_ranks_alive();
  write_targets();
}

void AttemptRunner::reap() {
  while (true) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    for (auto& child : children_) {
      if (child.process.pid == pid && !child.exited) on_exit(child, status);
    }
  }
}

void AttemptRunner::handle_signals() {
  for (const int sig : signals_.drain()) {
    if (sig == SIGCHLD) continue;
    if (outcome_.kind == AttemptOutcome::Kind::kInterrupted && sig == SIGINT) {
      std::fprintf(stderr, "zlaunch: second SIGINT: killing every rank now\n");
      signal_all(SIGKILL);
      killed_ = true;
      continue;
    }
    if (outcome_.kind != AttemptOutcome::Kind::kInterrupted) {
      std::fprintf(stderr, "zlaunch: received %s: forwarding it to every rank (SIGKILL after %.1f s)\n",
                   signal_name(sig).c_str(), static_cast<double>(settings_.shutdown_timeout.count()) / 1000.0);
      outcome_.kind = AttemptOutcome::Kind::kInterrupted;
      outcome_.signal = sig;
      outcome_.exit_code = 128 + sig;
      outcome_.root_cause = -1;
    }
    begin_teardown(sig);
  }
}

// Reads a rank's progress report; a changed value is a heartbeat, a changed step or collective (or a
// value that is no report) is progress.
void AttemptRunner::read_progress(ProgressWatch& watch, int rank, Clock::time_point now) {
  if (store_ == nullptr) return;
  std::optional<std::string> value;
  try {
    value = store_->try_get(store::progress_key(attempt_, rank));
  } catch (const std::exception&) {
    return;  // without the store only output counts as progress
  }
  if (!value || *value == watch.last_report) return;
  watch.last_report = *value;
  watch.report_changed = now;
  const bool was_reported = watch.reported;
  const std::int64_t old_step = watch.step;
  const std::string old_collective = watch.collective;
  watch.reported = false;
  try {
    const auto report = nlohmann::json::parse(*value, nullptr, false);
    if (report.is_object()) {
      watch.step = report.value("step", std::int64_t{-1});
      watch.collective = report.value("collective", std::string());
      watch.heartbeat_period = std::chrono::milliseconds(report.value("heartbeat_ms", std::int64_t{0}));
      watch.state = std::chrono::milliseconds(report.value("state_ms", std::int64_t{0}));
      watch.reported = true;
    }
  } catch (const nlohmann::json::exception&) {
    // A field of the wrong type: not a report this launcher understands.
  }
  if (!watch.reported) {
    watch.heartbeat_period = std::chrono::milliseconds(0);
    watch.progress_changed = now;
  } else if (!was_reported || watch.step != old_step || watch.collective != old_collective) {
    watch.progress_changed = now;
  }
}

void AttemptRunner::observe_progress(Clock::time_point now, std::vector<RankProgress>& observed,
                                     std::vector<int>& index) {
  const auto since = [now](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now - std::max(a, b));
  };
  const auto observe = [&](int record_index, Clock::time_point last_activity, ProgressWatch& watch) {
    const int rank = outcome_.ranks[static_cast<std::size_t>(record_index)].rank;
    read_progress(watch, rank, now);
    RankProgress r;
    r.rank = rank;
    r.since_progress = since(last_activity, watch.progress_changed);
    r.since_heartbeat = since(last_activity, watch.report_changed);
    r.heartbeat_period = watch.heartbeat_period;
    r.reported = watch.reported;
    r.step = watch.step;
    r.collective = watch.collective;
    // The rank's own time on this step and collective, as of its report, plus the time since.
    if (watch.reported) {
      r.in_state = watch.state + std::chrono::duration_cast<std::chrono::milliseconds>(now - watch.report_changed);
    }
    observed.push_back(std::move(r));
    index.push_back(record_index);
  };
  for (auto& child : children_) {
    if (child.exited) continue;
    if (!child.demux) {
      observe(child.index, child.last_activity, child.progress);
      continue;
    }
    // mpirun/srun: a rank's activity is its own lines (or the spawn, before it has written any).
    for (std::size_t i = 0; i < outcome_.ranks.size(); ++i) {
      Clock::time_point last = child.spawned;
      for (const bool is_stderr : {false, true}) {
        if (const RankOutput* output = child.demux->output(outcome_.ranks[i].rank, is_stderr)) {
          last = std::max(last, output->last_output());
        }
      }
      observe(static_cast<int>(i), last, external_progress_[i]);
    }
  }
}

void AttemptRunner::check_progress() {
  if (settings_.hang_timeout.count() <= 0 || stopping_) return;
  std::vector<RankProgress> observed;
  std::vector<int> index;
  observe_progress(Clock::now(), observed, index);
  const auto verdict = find_hang_culprit(observed, settings_.hang_timeout, settings_.monitor_interval);
  if (!verdict) return;
  const int culprit = index[verdict->culprit];
  auto& record = outcome_.ranks[static_cast<std::size_t>(culprit)];
  record.hang_reason = describe_hang(observed, *verdict);
  std::fprintf(stderr, "zlaunch: rank %d is hung: %s; tearing the group down\n", record.rank,
               record.hang_reason.c_str());
  if (!settings_.external_command.empty()) {
    const RankPlacement place = external_placement(plan_)[static_cast<std::size_t>(culprit)];
    record.node = place.node;
    record.host = place.host;
  }
  if (settings_.metrics != nullptr) settings_.metrics->record_hang_detection();
  outcome_.kind = AttemptOutcome::Kind::kHang;
  outcome_.exit_code = kHangExitCode;
  outcome_.root_cause = culprit;
  begin_teardown(SIGTERM);
}

void AttemptRunner::check_peers() {
  if (store_ == nullptr || plan_.launchers() <= 1 || stopping_) return;
  try {
    const auto failed = store_->try_get(store::attempt_prefix(attempt_) + "failed");
    if (!failed) return;
    const auto failure = nlohmann::json::parse(*failed, nullptr, false);
    if (failure.is_object() && failure.value("machine", -1) == plan_.machine_rank) return;
    outcome_.kind = AttemptOutcome::Kind::kPeerFailed;
    outcome_.exit_code = failure.is_object() ? failure.value("exit_code", 1) : 1;
    outcome_.peer_failure = failure.is_object() ? failure.value("description", *failed) : *failed;
    std::fprintf(stderr, "zlaunch: another machine failed (%s): stopping this machine's ranks\n",
                 outcome_.peer_failure.c_str());
    begin_teardown(SIGTERM);
  } catch (const InfrastructureError& e) {
    outcome_.kind = AttemptOutcome::Kind::kPeerFailed;
    outcome_.exit_code = static_cast<int>(ExitCode::kInfrastructure);
    outcome_.peer_failure = std::string("lost the rendezvous store: ") + e.what();
    begin_teardown(SIGTERM);
  }
}

// Once, --rdzv_timeout after the spawn: the ranks that have not announced their start never started,
// provided one at least has (a program of another runtime announces nothing, and is not watched). The
// attempt ends with them named by node and host (rank_placement.h).
void AttemptRunner::check_starts(Clock::time_point now) {
  if (starts_checked_ || store_ == nullptr || settings_.external_command.empty() ||
      settings_.start_timeout.count() <= 0 || stopping_ || now < start_deadline_) {
    return;
  }
  starts_checked_ = true;
  std::vector<int> missing;
  try {
    for (const auto& record : outcome_.ranks) {
      if (!store_->check({store::started_key(attempt_, record.rank)})) missing.push_back(record.rank);
    }
  } catch (const std::exception&) {
    return;  // the store went away: the run is ending
  }
  if (missing.empty() || missing.size() == outcome_.ranks.size()) return;
  const std::vector<RankPlacement> placement = external_placement(plan_);
  const std::string reason =
      "never started within --rdzv_timeout (" + std::to_string(settings_.start_timeout.count() / 1000) + " s)";
  for (const int rank : missing) {
    const RankPlacement& place = placement[static_cast<std::size_t>(rank)];
    auto node = std::find_if(outcome_.failed_nodes.begin(), outcome_.failed_nodes.end(),
                             [&](const NodeFailure& n) { return n.node == place.node && n.host == place.host; });
    if (node == outcome_.failed_nodes.end()) {
      outcome_.failed_nodes.push_back({place.node, place.host, {}, reason});
      node = std::prev(outcome_.failed_nodes.end());
    }
    node->ranks.push_back(rank);
  }
  for (const NodeFailure& node : outcome_.failed_nodes) {
    std::fprintf(stderr, "zlaunch: rank(s) %s (node %d, host %s) %s; tearing the group down\n",
                 index_list(node.ranks).c_str(), node.node, node.host.empty() ? "unknown" : node.host.c_str(),
                 reason.c_str());
  }
  outcome_.kind = AttemptOutcome::Kind::kNotStarted;
  outcome_.exit_code = static_cast<int>(ExitCode::kInfrastructure);
  outcome_.root_cause = -1;
  begin_teardown(SIGTERM);
}

bool AttemptRunner::all_exited() const {
  return std::all_of(children_.begin(), children_.end(), [](const Child& c) { return c.exited; });
}

std::vector<AttemptRunner::PipeOwner> AttemptRunner::add_open_pipes(std::vector<pollfd>& fds) {
  std::vector<PipeOwner> owners;
  for (auto& child : children_) {
    if (child.process.stdout_pipe.valid()) {
      fds.push_back({child.process.stdout_pipe.get(), POLLIN, 0});
      owners.emplace_back(&child, false);
    }
    if (child.process.stderr_pipe.valid()) {
      fds.push_back({child.process.stderr_pipe.get(), POLLIN, 0});
      owners.emplace_back(&child, true);
    }
  }
  return owners;
}

void AttemptRunner::read_ready_pipes(const std::vector<pollfd>& fds, std::size_t first,
                                     const std::vector<PipeOwner>& owners) {
  for (std::size_t k = 0; k < owners.size(); ++k) {
    if (fds[first + k].revents == 0) continue;
    const auto& [child, is_stderr] = owners[k];
    read_pipe(*child, is_stderr ? child->process.stderr_pipe : child->process.stdout_pipe, is_stderr);
  }
}

void AttemptRunner::drain_after_exit() {
  // Children are gone; their pipes may still hold output (or be held open by a grandchild): read
  // until EOF or a short grace period.
  const auto deadline = Clock::now() + kDrainGrace;
  while (Clock::now() < deadline) {
    std::vector<pollfd> fds;
    const std::vector<PipeOwner> owners = add_open_pipes(fds);
    if (fds.empty()) break;
    if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
    read_ready_pipes(fds, 0, owners);
  }
  for (auto& child : children_) {
    if (child.demux) child.demux->finish();
    if (child.out) child.out->finish();
    if (child.err) child.err->finish();
  }
}

// Copies each rank's last stderr lines into its record; under mpirun/srun, also finds what their own
// lines name as the cause (explain_external_failure).
void AttemptRunner::collect_tails() {
  for (const auto& child : children_) {
    if (child.err) outcome_.ranks[static_cast<std::size_t>(child.index)].stderr_tail = child.err->tail();
    if (!child.demux) continue;
    for (auto& record : outcome_.ranks) {
      if (const auto* err = child.demux->output(record.rank, true)) record.stderr_tail = err->tail();
      record.exited = true;
      record.external = true;
    }
    outcome_.launcher_messages = child.demux->untagged_tail();
    explain_external_failure();
  }
}

// The rank (or node) mpirun's/srun's own lines name for a failed or interrupted attempt. mpirun's exit
// code is the failing rank's, srun's is not; which rank failed either says only sometimes: a node srun
// lost (its failure, a failed task launch), or one Slurm has out of service, explains its peers'
// errors (unless a rank was killed by a signal of its own); else take the rank it names, else the rank
// that wrote an error file, else leave the cause unknown. The cause's node and host are
// where mpirun/srun put it (rank_placement.h) unless their lines name the host.
void AttemptRunner::explain_external_failure() {
  const bool srun = plan_.launcher == config::LauncherKind::kSlurm;
  const bool failed = outcome_.kind == AttemptOutcome::Kind::kRankFailed;
  // A job Slurm ends for a lost node reaches zlaunch as SIGTERM; srun said which node first.
  if (!failed && !(srun && outcome_.kind == AttemptOutcome::Kind::kInterrupted)) return;
  const ExternalFailure failure =
      srun ? find_srun_failure(outcome_.launcher_messages) : find_mpirun_failure(outcome_.launcher_messages);
  const std::vector<RankPlacement> placement = external_placement(plan_);
  std::string lost_host = failure.rank < 0 ? failure.host : "";
  std::string lost_reason = failure.reason;
  if (srun && lost_host.empty() && !killed_by_own_signal(failure.reason)) {
    // srun does not always say it lost a node (under salloc the allocation's own process does): the
    // ranks elsewhere then fail as a consequence. Slurm knows which of the job's nodes it lost.
    std::vector<std::string> hosts;
    for (const RankPlacement& place : placement) {
      if (!place.host.empty() && (hosts.empty() || hosts.back() != place.host)) hosts.push_back(place.host);
    }
    if (const auto lost = lost_slurm_nodes(hosts); !lost.empty()) {
      lost_host = lost.front().name;
      lost_reason =
          "Slurm has it " + lost.front().state + (lost.front().reason.empty() ? "" : " (" + lost.front().reason + ")");
    }
  }
  if (!lost_host.empty()) {
    NodeFailure node{-1, lost_host, {}, lost_reason};
    for (std::size_t rank = 0; rank < placement.size(); ++rank) {
      if (placement[rank].host != lost_host) continue;
      node.node = placement[rank].node;
      node.ranks.push_back(static_cast<int>(rank));
    }
    outcome_.failed_nodes.push_back(std::move(node));
    outcome_.root_cause = -1;
    return;
  }
  if (!failed) return;
  outcome_.root_cause = -1;
  for (auto& record : outcome_.ranks) {
    if (outcome_.root_cause < 0 && std::filesystem::exists(record.error_file)) outcome_.root_cause = record.rank;
  }
  if (failure.rank >= 0 && failure.rank < static_cast<int>(outcome_.ranks.size())) outcome_.root_cause = failure.rank;
  if (outcome_.root_cause < 0) return;
  auto& cause = outcome_.ranks[static_cast<std::size_t>(outcome_.root_cause)];
  cause.status = outcome_.exit_code > 128 ? outcome_.exit_code - 128 : (outcome_.exit_code & 0xff) << 8;
  if (srun && failure.rank == cause.rank) {
    // With --kill-on-bad-exit srun exits 143 whatever the rank did: the exit code is the rank's.
    cause.status = status_from_srun_reason(failure.reason, cause.status);
    outcome_.exit_code = exit_code_of(cause.status);
  }
  cause.external = false;
  const RankPlacement& place = placement[static_cast<std::size_t>(cause.rank)];
  cause.node = place.node;
  cause.host = failure.rank == cause.rank && !failure.host.empty() ? failure.host : place.host;
}

AttemptOutcome AttemptRunner::run() {
  std::filesystem::create_directories(plan_.attempt_dir(attempt_));
  if (settings_.external_command.empty()) {
    spawn_ranks();
  } else {
    spawn_external();
    start_deadline_ = Clock::now() + settings_.start_timeout;
  }
  update_ranks_alive();
  write_targets();
  const auto tick = std::min(settings_.monitor_interval, std::chrono::milliseconds(100));
  next_monitor_ = Clock::now() + settings_.monitor_interval;
  while (!all_exited()) {
    std::vector<pollfd> fds = {{signals_.fd(), POLLIN, 0}};
    const std::vector<PipeOwner> owners = add_open_pipes(fds);
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(tick.count()));
    if (ready < 0 && errno != EINTR) throw SystemError("zlaunch run: poll", errno);
    if (ready > 0) {
      read_ready_pipes(fds, 1, owners);
      if (fds[0].revents != 0) handle_signals();
    }
    reap();
    const auto now = Clock::now();
    if (now >= next_monitor_) {
      next_monitor_ = now + settings_.monitor_interval;
      collect_metrics_addresses();
      check_progress();
      check_peers();
      check_starts(now);
      sample_rank_processes(now);
    }
    if (stopping_ && !killed_ && now >= kill_deadline_) {
      signal_all(SIGKILL);
      killed_ = true;
    }
  }
  drain_after_exit();
  collect_tails();
  // Anything the ranks left in their process groups goes with them.
  for (const auto& child : children_) ::kill(-child.process.pid, SIGKILL);
  return std::move(outcome_);
}

}  // namespace

AttemptOutcome run_attempt(const LaunchPlan& plan, const SupervisorSettings& settings, int attempt,
                           SignalChannel& signals, store::StoreClient* store) {
  AttemptRunner runner(plan, settings, attempt, signals, store);
  return runner.run();
}

}  // namespace zl::launcher
