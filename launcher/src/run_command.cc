// `zlaunch run [options] PROGRAM [ARGS...]` (DESIGN.md §1, §3): resolve the config, plan the world,
// start or join the rendezvous store, then run attempts (spawn, supervise, report) until success, a
// signal, or --max_restarts is used up. Everything after PROGRAM belongs to PROGRAM.
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "zl/base/error.h"
#include "zl/base/host_address.h"
#include "zl/base/system_info.h"
#include "zl/config/config_problems.h"
#include "zl/config/memory_estimate.h"
#include "zl/config/resolve.h"
#include "zl/device/visible_gpus.h"
#include "zl/launcher/attempt_record.h"
#include "zl/launcher/blas_advice.h"
#include "zl/launcher/commands.h"
#include "zl/launcher/device_assignment.h"
#include "zl/launcher/dry_run.h"
#include "zl/launcher/external_launch.h"
#include "zl/launcher/failure_report.h"
#include "zl/launcher/launch_plan.h"
#include "zl/launcher/program_environment.h"
#include "zl/launcher/rank_process.h"
#include "zl/launcher/rendezvous.h"
#include "zl/launcher/run_options.h"
#include "zl/launcher/signal_channel.h"
#include "zl/launcher/slurm_allocation.h"
#include "zl/launcher/supervisor.h"
#include "zl/launcher/targets_file.h"
#include "zl/metrics/endpoint.h"
#include "zl/metrics/pushgateway.h"
#include "zl/metrics/rank_metrics.h"

namespace zl::launcher {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

milliseconds to_ms(double seconds) { return milliseconds(static_cast<long long>(seconds * 1000.0)); }

// The store's secret (docs/launcher.md §4): --rdzv_token, then ZLAUNCH_STORE_TOKEN, then 128 random
// bits when this launcher is the only one that must know it: one machine, or mpirun/srun, which carry
// it to every rank in their environment. Launchers started by hand on several machines need a secret
// the user shares among them; none is derived from anything (a run id is no secret).
std::string choose_token(const RunOptions& options, int num_machines, config::LauncherKind launcher) {
  if (!options.rdzv_token.empty()) {
    std::cerr << "zlaunch: warning: --rdzv_token puts the store's secret on zlaunch's command line, where ps shows it "
                 "to every user of this machine; export ZLAUNCH_STORE_TOKEN instead\n";
    return options.rdzv_token;
  }
  if (const char* env = std::getenv("ZLAUNCH_STORE_TOKEN"); env != nullptr && *env != '\0') return env;
  if (num_machines == 1 || launcher != config::LauncherKind::kLocal) return generate_token();
  throw UsageError(
      "zlaunch run started by hand on " + std::to_string(num_machines) +
      " machines needs a secret shared by their launchers: on machine 0 run\n"
      "  export ZLAUNCH_STORE_TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n')\n"
      "export the same value on every other machine, then start zlaunch run on each (with --launcher slurm or mpi, "
      "zlaunch starts every machine's ranks itself and makes the secret up)");
}

void set_run_dir(LaunchPlan& plan, const config::ResolvedConfig& config) {
  plan.run_dir = fs::absolute(fs::path(config.launch.log_dir) / plan.run_id).lexically_normal().string();
  plan.config_path = plan.run_dir + "/config.resolved.json";
  plan.deepspeed_config_path =
      config.program.deepspeed_document.is_null() ? "" : plan.run_dir + "/deepspeed_config.json";
}

// One GPU per local rank (device_assignment.h). The GPUs are counted here only when this launcher
// spawns the ranks itself: the CUDA driver applies the user's CUDA_VISIBLE_DEVICES to this process
// exactly as to the ranks, which inherit it. Under mpirun/srun the ranks may run on other hosts and
// check for themselves. No GPU at all: the runtime's own message (device::no_gpu_message, as in
// require_cuda_device), so the launcher and a rank say the same thing.
DeviceAssignment plan_devices(const LaunchPlan& plan, config::DeviceKind kind) {
  int visible_gpus = kGpusUnknown;
  std::string no_gpu_reason;
  if (kind == config::DeviceKind::kCuda && plan.launcher == config::LauncherKind::kLocal) {
    const device::VisibleGpus gpus = device::query_visible_gpus();
    visible_gpus = gpus.count;
    no_gpu_reason = gpus.no_gpu_reason;
  }
  std::optional<std::string> user_visible;
  if (const char* env = std::getenv("CUDA_VISIBLE_DEVICES"); env != nullptr) user_visible = env;
  // Accelerate's gpu_ids (accelerate_environment) restricts the ranks as CUDA_VISIBLE_DEVICES would.
  if (const auto ids = plan.accelerate_environment.find("CUDA_VISIBLE_DEVICES");
      ids != plan.accelerate_environment.end()) {
    user_visible = ids->second;
  }
  DeviceAssignment assignment = assign_devices(kind, plan.procs_per_machine, visible_gpus, user_visible);
  if (assignment.no_gpu) assignment.problem = device::no_gpu_message(no_gpu_reason);
  return assignment;
}

// Before anything starts: device: cuda with more local processes than visible GPUs, or none (exit 2).
void check_devices(const DeviceAssignment& devices) {
  if (devices.problem.empty()) return;
  if (devices.no_gpu) throw UnavailableError(devices.problem);
  throw ConfigError(devices.problem);
}

// Where every rank reaches the store (ZLAUNCH_STORE, MASTER_ADDR). Under mpirun on several machines
// (or a hostfile), and always under srun, this launcher serves it for ranks on other hosts: an unset
// main_process_ip is this host's announced address (host_address.h), a loopback one the user set is an
// error (every other host's ranks would dial themselves). srun's ranks run on the allocation's nodes,
// which need not hold this host even for one node: salloc runs its command where it was typed.
std::string store_host(const config::ResolvedConfig& config, const LaunchPlan& plan) {
  const std::string& ip = config.launch.main_process_ip;
  const bool other_hosts =
      plan.num_machines > 1 || !plan.hostfile.empty() || plan.launcher == config::LauncherKind::kSlurm;
  if (plan.launcher == config::LauncherKind::kLocal || !other_hosts || !is_loopback_address(ip)) return ip;
  const auto source = config.sources.find("main_process_ip");
  if (source != config.sources.end() && source->second != "default") {
    throw ConfigError("main_process_ip " + ip + " (" + source->second +
                      ") is a loopback address, which the ranks on the other machines cannot reach: give this "
                      "machine's address, or leave main_process_ip unset and zlaunch announces this host's own");
  }
  std::string because;
  const std::string address = announced_host_address(because);
  std::cerr << "zlaunch: the ranks reach the store at " << address << " (" << because
            << "; set main_process_ip to choose)\n";
  return address;
}

LaunchPlan make_plan(const RunOptions& options, const config::ResolvedConfig& config) {
  const auto& launch = config.launch;
  LaunchPlan plan;
  plan.num_machines = launch.num_machines;
  plan.machine_rank = launch.machine_rank;
  plan.world_size = launch.num_processes;
  if (plan.num_machines < 1 || plan.world_size % plan.num_machines != 0) {
    throw ConfigError("num_processes " + std::to_string(plan.world_size) + " is not divisible by num_machines " +
                      std::to_string(plan.num_machines) + ": num_processes is the total over all machines");
  }
  plan.procs_per_machine = plan.world_size / plan.num_machines;
  plan.launcher = launch.launcher;
  plan.hostfile = launch.hostfile;
  plan.store_port = launch.main_process_port;
  const auto source = config.sources.find("main_process_port");
  if (plan.num_machines > 1 && (source == config.sources.end() || source->second == "default")) plan.store_port = 29500;
  if (plan.launchers() > 1 && plan.store_port == 0) {
    throw UsageError(
        "--main_process_port 0 (a free port) only works on one machine: the other machines must know the port");
  }
  plan.main_process_ip = store_host(config, plan);
  plan.command = resolve_command(options.command, options.program);
  plan.run_id = options.run_id.empty() ? generate_run_id() : options.run_id;
  set_run_dir(plan, config);
  plan.token = choose_token(options, plan.num_machines, plan.launcher);
  plan.hostname = metrics::this_hostname();
  plan.metrics_port = launch.metrics.port;
  plan.metrics_enabled = launch.metrics.enabled;
  plan.metrics_bind = launch.metrics.bind;
  plan.targets_file_extra = launch.metrics.targets_file;
  plan.metrics_pushgateway = launch.metrics.pushgateway;
  plan.max_restarts = launch.max_restarts;
  plan.rdzv_timeout_s = static_cast<int>(std::min(std::ceil(options.rdzv_timeout), double{1 << 24}));
  plan.mixed_precision = config::to_string(launch.mixed_precision);
  plan.omp_num_threads = std::getenv("OMP_NUM_THREADS") != nullptr ? 0 : threads_per_process(plan.procs_per_machine);
  // Accelerate's num_cpu_threads_per_process wins over an inherited OMP_NUM_THREADS, as in accelerate launch.
  if (config.program.accelerate.num_cpu_threads_per_process > 0) {
    plan.omp_num_threads = config.program.accelerate.num_cpu_threads_per_process;
  }
  plan.role = options.role;
  plan.accelerate_environment = accelerate_environment(config, fs::current_path().string());
  if (!config.program.accelerate.gpu_ids.empty()) {
    plan.accelerate_environment["CUDA_VISIBLE_DEVICES"] = config.program.accelerate.gpu_ids;
  }
  const BlasAdvice blas = ask_blas_advice();
  plan.blas_core = blas.core;
  plan.blas_coretype = blas.coretype;
  if (plan.launcher != config::LauncherKind::kLocal && plan.machine_rank != 0) {
    throw UsageError("--launcher " + std::string(config::to_string(plan.launcher)) +
                     " starts every machine's ranks from machine 0: run zlaunch on machine 0 only");
  }
  if (!plan.hostfile.empty()) read_hostfile(plan.hostfile);  // validates it (ConfigError naming file:line)
  plan.devices = plan_devices(plan, launch.device);
  return plan;
}

// mpirun/srun for --launcher mpi/slurm ("" for local), checked before anything starts.
std::string external_launcher_path(config::LauncherKind kind) {
  if (kind == config::LauncherKind::kLocal) return {};
  const bool mpi = kind == config::LauncherKind::kMpi;
  try {
    return resolve_program(mpi ? "mpirun" : "srun");
  } catch (const UsageError&) {
    throw UsageError(mpi ? "--launcher mpi runs mpirun, which is not on PATH: install OpenMPI (openmpi-bin)"
                         : "--launcher slurm runs srun, which is not on PATH: run zlaunch inside a Slurm allocation");
  }
}

// The launcher's own /metrics (DESIGN.md §5): on metrics.bind, port metrics.port + processes per
// machine (just past its ranks' ports; 0 = any free port, also taken when that port is busy). An
// observer like the ranks' endpoints: when nothing can be bound the run goes on without it, with a
// warning.
struct LauncherTelemetry {
  std::unique_ptr<metrics::Endpoint> endpoint;
  std::unique_ptr<metrics::LauncherMetrics> metrics;

  explicit LauncherTelemetry(LaunchPlan& plan) {
    if (!plan.metrics_enabled) return;
    try {
      endpoint = std::make_unique<metrics::Endpoint>(plan.metrics_bind, plan.launcher_metrics_port_wanted());
    } catch (const InfrastructureError& e) {
      std::cerr << "zlaunch: warning: " << e.what() << "; the launcher runs without its own /metrics\n";
      return;
    }
    metrics = std::make_unique<metrics::LauncherMetrics>(endpoint->registry());
    plan.launcher_metrics_address = endpoint->scrape_address();
    if (endpoint->requested_port() != 0 && endpoint->port() != endpoint->requested_port()) {
      std::cerr << "zlaunch: note: metrics port " << endpoint->requested_port()
                << " is taken (another run?); the launcher serves /metrics on " << plan.launcher_metrics_address
                << " instead (the targets files name it)\n";
    }
  }

  // At exit: the final values to the Pushgateway when one is configured (a warning when that fails).
  void push_final(const LaunchPlan& plan) const {
    if (!endpoint || plan.metrics_pushgateway.empty()) return;
    try {
      metrics::push_to_gateway(
          plan.metrics_pushgateway,
          {{"run_id", plan.run_id}, {"node", std::to_string(plan.machine_rank)}, {"role", "launcher"}},
          endpoint->shared_registry());
    } catch (const std::exception& e) {
      std::cerr << "zlaunch: warning: the launcher's final metrics were not pushed: " << e.what() << '\n';
    }
  }
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// "1h02m03s", "4m05s", "6.2s".
std::string format_duration(double seconds) {
  char text[32];
  const long long whole = static_cast<long long>(seconds);
  if (whole >= 3600) {
    std::snprintf(text, sizeof(text), "%lldh%02lldm%02llds", whole / 3600, whole / 60 % 60, whole % 60);
  } else if (whole >= 60) {
    std::snprintf(text, sizeof(text), "%lldm%02llds", whole / 60, whole % 60);
  } else {
    std::snprintf(text, sizeof(text), "%.1fs", seconds);
  }
  return text;
}

// The run's last line: how it ended, how long it took, where its logs are and how to see its report.
std::string final_line(const LaunchPlan& plan, int exit_code, int attempts, double seconds) {
  std::string line = "zlaunch: run " + plan.run_id +
                     (exit_code == 0 ? " finished" : " failed (exit code " + std::to_string(exit_code) + ")");
  line += " in " + format_duration(seconds);
  if (attempts > 1) line += " after " + std::to_string(attempts - 1) + " restart(s)";
  line += "; logs in " + plan.run_dir + "/; report: zlaunch report " + plan.run_dir + "\n";
  return line;
}

void print_config_summary(const config::ResolvedConfig& config) {
  std::string files;
  for (const auto& f : config.files_used) files += (files.empty() ? "" : ", ") + f;
  std::cerr << "zlaunch: config files: "
            << (files.empty() ? "none (built-in defaults, flags and ZLAUNCH_* variables)" : files) << '\n';
  for (const auto& warning : config.warnings) std::cerr << "zlaunch: warning: " << warning << '\n';
}

// torchrun's --nproc_per_node: N, or gpu (the visible GPUs), cpu (the CPU cores), auto (the GPUs when
// any, else the cores), as torch/distributed/run.py counts them.
int processes_per_node(const std::string& text) {
  if (text == "gpu" || text == "auto") {
    const int gpus = device::visible_gpu_count();
    if (gpus > 0) return gpus;
    if (text == "gpu") throw UsageError("--nproc_per_node gpu: no GPU is visible on this machine");
  }
  if (text == "cpu" || text == "auto") return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  char* end = nullptr;
  const long n = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || n < 1 || n > 65536) {
    throw UsageError("--nproc_per_node '" + text + "': give a number of processes per machine, or gpu, cpu or auto");
  }
  return static_cast<int>(n);
}

// `defaults`: values below every flag (they fill keys no flag gave), e.g. the Slurm allocation's.
config::ResolvedConfig resolve_with(const RunOptions& options, const std::map<std::string, std::string>& defaults) {
  config::ResolveRequest request;
  request.config_file = options.config_file;
  request.flags = options.typed_config_values;
  request.flags.insert(defaults.begin(), defaults.end());
  if (options.cpu && request.flags.count("device") == 0) request.flags["device"] = "cpu";
  if (options.multi_gpu) {
    if (request.flags.count("device") == 0) request.flags["device"] = "cuda";
    if (request.flags.count("zero_stage") == 0) request.flags["zero_stage"] = "0";  // DDP
  }
  if (options.nproc_per_node.empty()) return config::resolve(request);
  if (request.flags.count("num_processes") != 0) {
    throw UsageError("--nproc_per_node (processes per machine) and --num_processes (the total) both given; give one");
  }
  // The machine count may come from a file: resolve once for it, then with the total.
  const int per_node = processes_per_node(options.nproc_per_node);
  config::ResolveRequest first = request;
  first.flags["num_processes"] = std::to_string(per_node);
  const int machines = config::resolve(first).launch.num_machines;
  request.flags["num_processes"] = std::to_string(per_node * machines);
  return config::resolve(request);
}

// The resolved config; under --launcher slurm inside an allocation, num_machines and num_processes that
// nothing set are the allocation's nodes and tasks (slurm_allocation.h), and a num_machines above the
// allocation's nodes is refused before srun would be.
config::ResolvedConfig resolve_for(const RunOptions& options) {
  config::ResolvedConfig config = resolve_with(options, {});
  const auto allocation = slurm_allocation_from_environment();
  if (config.launch.launcher != config::LauncherKind::kSlurm || !allocation) return config;
  auto unset = [&](const std::string& key) {
    const auto source = config.sources.find(key);
    return source == config.sources.end() || source->second == "default";
  };
  std::map<std::string, std::string> from_allocation;
  std::map<std::string, std::string> labels;
  if (unset("num_machines")) {
    from_allocation["num_machines"] = std::to_string(allocation->nodes);
    labels["num_machines"] = "Slurm allocation " + allocation->job_id + " (SLURM_JOB_NUM_NODES)";
  }
  if (unset("num_processes") && allocation->tasks > 0 && options.nproc_per_node.empty()) {
    from_allocation["num_processes"] = std::to_string(allocation->tasks);
    labels["num_processes"] = "Slurm allocation " + allocation->job_id + " (SLURM_NTASKS)";
  }
  if (!from_allocation.empty()) {
    config = resolve_with(options, from_allocation);
    for (const auto& [key, label] : labels) config.sources[key] = label;
  }
  if (config.launch.num_machines > allocation->nodes) {
    throw ConfigError("num_machines " + std::to_string(config.launch.num_machines) + " (" +
                      config.sources["num_machines"] + ") but Slurm job " + allocation->job_id + " has " +
                      std::to_string(allocation->nodes) + " node(s): allocate more (sbatch -N " +
                      std::to_string(config.launch.num_machines) +
                      ") or leave num_machines unset to use the allocation's nodes");
  }
  return config;
}

// accelerate launch's program-facing flags over what the config files said (AccelerateFacts).
void apply_accelerate_flags(const RunOptions& options, config::ResolvedConfig& config) {
  config::AccelerateFacts& facts = config.program.accelerate;
  if (options.cpu) facts.use_cpu = true;
  if (options.use_deepspeed) facts.distributed_type = "DEEPSPEED";
  if (options.multi_gpu) facts.distributed_type = "MULTI_GPU";
  if (options.debug) facts.debug = true;
  if (options.enable_cpu_affinity) facts.enable_cpu_affinity = true;
  if (!options.gpu_ids.empty() && options.gpu_ids != "all") facts.gpu_ids = options.gpu_ids;
  if (options.num_cpu_threads_per_process > 0) facts.num_cpu_threads_per_process = options.num_cpu_threads_per_process;
  if (!options.zero3_init_flag.empty()) facts.zero3_init_flag = options.zero3_init_flag;
}

int execute_run(const RunOptions& options) {
  SignalChannel signals;  // before any thread exists (the store's): every thread blocks these signals
  validate_run_options(options);
  config::ResolvedConfig config = resolve_for(options);
  apply_accelerate_flags(options, config);
  print_config_summary(config);
  LaunchPlan plan = make_plan(options, config);
  SupervisorSettings settings;
  settings.monitor_interval = to_ms(options.monitor_interval);
  settings.shutdown_timeout = to_ms(options.shutdown_timeout);
  settings.hang_timeout = to_ms(options.hang_timeout);
  settings.off_console = console_exclusions(options);
  settings.ranks_filter = parse_ranks_filter(options.ranks_filter, plan.world_size);
  plan.progress_bar = ::isatty(STDOUT_FILENO) == 1 && ::isatty(STDERR_FILENO) == 1 &&
                      plan.launcher == config::LauncherKind::kLocal && plan.machine_rank == 0 &&
                      !settings.off_console.selects(0, false) &&
                      (settings.ranks_filter.empty() || settings.ranks_filter.count(0) != 0);
  const bool as_root = ::geteuid() == 0;
  if (options.dry_run) {
    std::cout << format_dry_run(plan, as_root) << std::flush;
    return 0;
  }
  check_devices(plan.devices);

  const std::string external_program = external_launcher_path(plan.launcher);
  const auto rdzv_timeout = to_ms(options.rdzv_timeout);
  settings.start_timeout = plan.launcher == config::LauncherKind::kLocal ? milliseconds(0) : rdzv_timeout;
  // After SignalChannel: the exposer's threads inherit the blocked signal mask.
  LauncherTelemetry telemetry(plan);
  settings.metrics = telemetry.metrics.get();
  auto rendezvous_start = std::chrono::steady_clock::now();
  RendezvousSession session = [&] {
    // Machine 0 starts the store's thread here, which must inherit the blocked mask; only the other
    // machines wait (for machine 0 to come up), and they start no thread.
    std::optional<SignalChannel::InterruptibleScope> interruptible;
    if (plan.machine_rank != 0) interruptible.emplace();
    // The launcher reads the store for hang detection, the ranks' metrics addresses and, under
    // mpirun/srun, their start announcements.
    return open_rendezvous(
        plan, settings.hang_timeout.count() > 0 || plan.metrics_enabled || settings.start_timeout.count() > 0,
        rdzv_timeout);
  }();
  if (plan.machine_rank != 0) set_run_dir(plan, config);  // run id came from machine 0
  fs::create_directories(plan.run_dir);
  config::write_resolved_config(config, plan.config_path);
  // The estimate for this config, next to what the ranks will measure (zlaunch report puts them side by
  // side). An observer: a config the estimate cannot size is a note, not a failed run.
  try {
    config::write_memory_estimate(config, plan.run_dir + "/memory_estimate.json");
  } catch (const Error& e) {
    std::cerr << "zlaunch: note: no memory_estimate.json: " << e.what() << '\n';
  }
  if (!plan.deepspeed_config_path.empty()) {
    config::write_json_file_atomically(config.program.deepspeed_document, plan.deepspeed_config_path);
  }
  std::cerr << "zlaunch: run " << plan.run_id << ": " << plan.world_size << " process(es) on " << plan.num_machines
            << " machine(s), store " << plan.store_address() << ", logs in " << plan.run_dir << "/\n";
  if (!plan.blas_coretype.empty()) {
    std::cerr << "zlaunch: OpenBLAS chose its " << plan.blas_core << " kernels on this " << to_string(cpu_simd_level())
              << " CPU (it does not recognise the CPU model): ranks get OPENBLAS_CORETYPE=" << plan.blas_coretype
              << " (set OPENBLAS_CORETYPE yourself to choose)\n";
  }

  const auto run_start = std::chrono::steady_clock::now();
  int exit_code = 0;
  int attempts = 0;
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0) rendezvous_start = std::chrono::steady_clock::now();
    if (session.client && plan.launchers() > 1) {
      SignalChannel::InterruptibleScope interruptible;
      join_attempt(*session.client, plan, attempt, rdzv_timeout);
    }
    if (telemetry.metrics) telemetry.metrics->record_rendezvous(seconds_since(rendezvous_start));
    if (plan.launcher == config::LauncherKind::kMpi) {
      settings.external_command = mpirun_command(plan, external_environment(plan, attempt), as_root);
      settings.external_command[0] = external_program;
    } else if (plan.launcher == config::LauncherKind::kSlurm) {
      settings.external_command = srun_command(plan);
      settings.external_command[0] = external_program;
    }
    const auto attempt_start = std::chrono::steady_clock::now();
    AttemptOutcome outcome = run_attempt(plan, settings, attempt, signals, session.client.get());
    if (outcome.kind == AttemptOutcome::Kind::kSuccess && session.client && plan.launchers() > 1) {
      std::string failure;
      int peer_exit = 0;
      if (!wait_for_peers_success(*session.client, plan, attempt, signals, rdzv_timeout, failure, peer_exit)) {
        outcome.kind = AttemptOutcome::Kind::kPeerFailed;
        outcome.peer_failure = failure;
        outcome.exit_code = peer_exit;
      }
    }
    exit_code = outcome.exit_code;
    attempts = attempt + 1;
    append_attempt_record(plan, attempt, outcome, seconds_since(attempt_start));
    if (outcome.kind == AttemptOutcome::Kind::kSuccess) break;
    std::cerr << format_failure_report(plan, attempt, outcome) << std::flush;
    if (outcome.kind == AttemptOutcome::Kind::kInterrupted || attempt >= plan.max_restarts) break;
    std::cerr << "zlaunch: restarting the whole group: attempt " << attempt + 1 << " (restart " << attempt + 1 << " of "
              << plan.max_restarts << ")\n";
    if (telemetry.metrics) telemetry.metrics->record_restart();
  }
  finish_rendezvous(session, plan, settings.shutdown_timeout + milliseconds(5000));
  telemetry.push_final(plan);
  clear_run_targets(plan);  // the launcher's endpoint goes away with it
  std::cerr << final_line(plan, exit_code, attempts, seconds_since(run_start)) << std::flush;
  return exit_code;
}

// A word starting with '-' where PROGRAM should begin is a mistyped or unknown option, not a program:
// exit 2 with a did-you-mean over run's own options. `--` before PROGRAM ends zlaunch's options.
[[noreturn]] void refuse_unknown_option(const CLI::App& run, const std::string& word) {
  const std::string name = word.substr(0, word.find('='));
  std::vector<std::string> known;
  for (const CLI::Option* option : run.get_options()) {
    for (const std::string& long_name : option->get_lnames()) known.push_back("--" + long_name);
  }
  throw UsageError("zlaunch run: unknown option '" + name + "'" + config::did_you_mean(name, known) +
                   " (see zlaunch run --help; put -- before a PROGRAM whose name starts with '-')");
}

}  // namespace

void add_run_command(CLI::App& app, int& program_exit_code) {
  auto* run = app.add_subcommand("run", "Launch PROGRAM (or the bundled `train`) on N processes");
  run->footer(
      "PROGRAM [ARGS...]: the program to run on every rank and its own arguments; PROGRAM 'train' = the bundled "
      "trainer");
  run->prefix_command();  // the first word that is not an option starts PROGRAM; the rest is its argv
  auto options = std::make_shared<RunOptions>();
  add_run_options(*run, *options);
  run->callback([run, options, &program_exit_code] {
    check_refused_options(*run);
    options->command = run->remaining();
    if (!options->command.empty() && options->command.front() == "--") {
      options->command.erase(options->command.begin());
    } else if (!options->command.empty() && options->command.front().rfind('-', 0) == 0) {
      refuse_unknown_option(*run, options->command.front());
    }
    program_exit_code = execute_run(*options);
  });
}

}  // namespace zl::launcher
