// assign_devices() and the per-rank device variables (device_assignment.h).
#include "zl/launcher/device_assignment.h"

#include <cctype>

namespace zl::launcher {
namespace {

std::string trim(const std::string& s) {
  std::size_t begin = 0;
  std::size_t end = s.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(s[begin])) != 0) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(s[end - 1])) != 0) --end;
  return s.substr(begin, end - begin);
}

std::string plural(int n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

std::string visible_clause(const std::optional<std::string>& user) {
  return user ? " (CUDA_VISIBLE_DEVICES=" + *user + ")" : std::string();
}

std::string too_many_processes(int processes, int gpus, const std::optional<std::string>& user) {
  return "device: cuda runs one process per GPU, but " + plural(processes, "process was", "processes were") +
         " asked for on this machine and only " + plural(gpus, "GPU is", "GPUs are") + " visible" +
         visible_clause(user) + ". Use --num_processes " + std::to_string(gpus) + " (at most " + std::to_string(gpus) +
         " per machine; --num_processes is the total over all machines), make more GPUs visible, or set "
         "device: cpu.";
}

std::string no_gpu_visible(int processes, const std::optional<std::string>& user) {
  return "device: cuda was requested (" + plural(processes, "process", "processes") +
         " on this machine) but no GPU is visible to this process" + visible_clause(user) +
         ". Run on a machine with an NVIDIA GPU and driver, check CUDA_VISIBLE_DEVICES, or set device: cpu.";
}

}  // namespace

std::vector<std::string> split_visible_devices(const std::string& value) {
  std::vector<std::string> entries;
  std::size_t start = 0;
  while (start <= value.size()) {
    const std::size_t comma = value.find(',', start);
    const std::size_t stop = comma == std::string::npos ? value.size() : comma;
    std::string entry = trim(value.substr(start, stop - start));
    if (!entry.empty()) entries.push_back(std::move(entry));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return entries;
}

DeviceAssignment assign_devices(config::DeviceKind device, int local_processes, int visible_gpus,
                                const std::optional<std::string>& user_cuda_visible_devices) {
  DeviceAssignment a;
  a.device = device;
  a.local_processes = local_processes;
  a.visible_gpus = visible_gpus;
  if (device != config::DeviceKind::kCuda) return a;  // cpu: the environment is left exactly as it was
  a.cuda_visible_devices = user_cuda_visible_devices;
  const std::vector<std::string> entries =
      user_cuda_visible_devices ? split_visible_devices(*user_cuda_visible_devices) : std::vector<std::string>{};
  for (int k = 0; k < local_processes; ++k) {
    RankDevice rank;
    rank.local_rank = k;
    rank.cuda_device = k;
    // CUDA enumerates the visible GPUs in the list's order, so ordinal k is the list's entry k.
    if (static_cast<std::size_t>(k) < entries.size()) rank.visible_entry = entries[static_cast<std::size_t>(k)];
    a.ranks.push_back(rank);
  }
  if (visible_gpus == kGpusUnknown) return a;
  if (visible_gpus <= 0) {
    a.no_gpu = true;
    a.problem = no_gpu_visible(local_processes, user_cuda_visible_devices);
  } else if (local_processes > visible_gpus) {
    a.problem = too_many_processes(local_processes, visible_gpus, user_cuda_visible_devices);
  }
  return a;
}

std::map<std::string, std::string> device_environment(const DeviceAssignment& assignment, int local_rank) {
  std::map<std::string, std::string> env;
  if (!assignment.cuda()) return env;
  env["ZLAUNCH_LOCAL_DEVICE"] = std::to_string(local_rank);
  // Inherited anyway; named so that --dry_run shows what every rank sees.
  if (assignment.cuda_visible_devices) env["CUDA_VISIBLE_DEVICES"] = *assignment.cuda_visible_devices;
  return env;
}

std::string describe_rank_device(const DeviceAssignment& assignment, int local_rank) {
  if (!assignment.cuda()) return "cpu";
  std::string text = "cuda:" + std::to_string(local_rank);
  for (const auto& rank : assignment.ranks) {
    if (rank.local_rank == local_rank && !rank.visible_entry.empty()) {
      text += " (CUDA_VISIBLE_DEVICES entry " + rank.visible_entry + ")";
    }
  }
  return text;
}

}  // namespace zl::launcher
