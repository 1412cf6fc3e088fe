// LaunchPlan helpers and the rank environment contract (launch_plan.h).
#include "zl/launcher/launch_plan.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <random>

#include "zl/base/system_info.h"
#include "zl/launcher/program_environment.h"

namespace zl::launcher {
namespace {

std::string hex(const unsigned char* bytes, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

void random_bytes(unsigned char* out, std::size_t n) {
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  std::size_t got = 0;
  if (fd >= 0) {
    while (got < n) {
      const ssize_t r = ::read(fd, out + got, n - got);
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    ::close(fd);
  }
  if (got < n) {  // no /dev/urandom: fall back to the C++ random device
    std::random_device device;
    for (std::size_t i = got; i < n; ++i) out[i] = static_cast<unsigned char>(device());
  }
}

}  // namespace

std::string LaunchPlan::store_address() const { return main_process_ip + ":" + std::to_string(store_port); }

std::string LaunchPlan::shared_targets_path() const {
  const std::string name = num_machines > 1 ? run_id + ".node" + std::to_string(machine_rank) : run_id;
  return (std::filesystem::path(run_dir).parent_path() / "targets" / (name + ".json")).string();
}

std::string LaunchPlan::attempt_dir(int attempt) const { return run_dir + "/attempt_" + std::to_string(attempt); }

int LaunchPlan::launcher_metrics_port_wanted() const {
  if (metrics_port == 0 || metrics_port + procs_per_machine > 65535) return 0;
  return metrics_port + procs_per_machine;
}

std::string LaunchPlan::rank_log_path(int attempt, int rank, const char* stream) const {
  return attempt_dir(attempt) + "/rank_" + std::to_string(rank) + "." + stream;
}

std::string LaunchPlan::error_file_path(int attempt, int rank) const {
  return attempt_dir(attempt) + "/rank_" + std::to_string(rank) + ".error.json";
}

std::map<std::string, std::string> shared_environment(const LaunchPlan& plan, int attempt) {
  std::map<std::string, std::string> env = {
      {"WORLD_SIZE", std::to_string(plan.world_size)},
      {"MASTER_ADDR", plan.main_process_ip},
      {"MASTER_PORT", std::to_string(plan.master_port)},
      {"ZLAUNCH_STORE", plan.store_address()},
      {"ZLAUNCH_STORE_TOKEN", plan.token},
      {"ZLAUNCH_RUN_ID", plan.run_id},
      {"ZLAUNCH_ATTEMPT", std::to_string(attempt)},
      {"ZLAUNCH_CONFIG", plan.config_path},
      {"ZLAUNCH_METRICS_PORT", std::to_string(plan.metrics_port)},
      {"LOCAL_WORLD_SIZE", std::to_string(plan.procs_per_machine)},
      {"NODE_RANK", std::to_string(plan.machine_rank)},
  };
  if (plan.rdzv_timeout_s > 0) env["ZLAUNCH_RDZV_TIMEOUT"] = std::to_string(plan.rdzv_timeout_s);
  if (plan.omp_num_threads > 0) env["OMP_NUM_THREADS"] = std::to_string(plan.omp_num_threads);
  if (!plan.blas_coretype.empty()) env["OPENBLAS_CORETYPE"] = plan.blas_coretype;
  if (!plan.metrics_pushgateway.empty()) env["ZLAUNCH_METRICS_PUSHGATEWAY"] = plan.metrics_pushgateway;
  for (const auto& [name, value] : plan.accelerate_environment) env[name] = value;
  if (!plan.deepspeed_config_path.empty()) {
    env["ZLAUNCH_DEEPSPEED_CONFIG"] = plan.deepspeed_config_path;
    if (plan.accelerate_environment.count("ACCELERATE_USE_DEEPSPEED") != 0) {
      env["ACCELERATE_DEEPSPEED_CONFIG_FILE"] = plan.deepspeed_config_path;
    }
  }
  return env;
}

std::map<std::string, std::string> rank_environment(const LaunchPlan& plan, int attempt, int local_rank) {
  auto env = shared_environment(plan, attempt);
  const int rank = plan.first_rank() + local_rank;
  env["RANK"] = std::to_string(rank);
  env["LOCAL_RANK"] = std::to_string(local_rank);
  env["ZLAUNCH_ERROR_FILE"] = plan.error_file_path(attempt, rank);
  if (plan.progress_bar && rank == 0) env["ZLAUNCH_PROGRESS_BAR"] = "1";
  for (auto& [name, value] : torchrun_environment(plan, attempt, rank)) env[name] = value;
  for (auto& [name, value] : device_environment(plan.devices, local_rank)) env[name] = value;
  return env;
}

std::string generate_run_id() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &utc);
  unsigned char suffix[2];
  random_bytes(suffix, sizeof(suffix));
  return std::string(stamp) + "-" + hex(suffix, sizeof(suffix));
}

std::string generate_token() {
  unsigned char bytes[16];
  random_bytes(bytes, sizeof(bytes));
  return hex(bytes, sizeof(bytes));
}

}  // namespace zl::launcher
