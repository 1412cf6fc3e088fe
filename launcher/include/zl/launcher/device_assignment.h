// One rank per GPU (docs/launcher.md "GPUs"): which CUDA device each local rank uses, the per-rank
// variables that say so, and whether this machine can run the ranks at all. torchrun's policy: the
// launcher never narrows CUDA_VISIBLE_DEVICES; every rank sees the same GPUs (the user's list unchanged,
// or all of them when unset) and local rank k uses visible device k (ZLAUNCH_LOCAL_DEVICE=k).
//
// assign_devices() is pure (no CUDA, no environment reads): the launcher gathers its inputs
// (query_accelerators(), getenv) and --dry_run prints its result.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "zl/config/resolved_config.h"

namespace zl::launcher {

// visible_gpus when the launcher cannot know it: device cpu, or ranks started on other hosts
// (--launcher mpi/slurm).
inline constexpr int kGpusUnknown = -1;

struct RankDevice {
  int local_rank = 0;
  int cuda_device = 0;        // CUDA ordinal within the visible GPUs (what cudaSetDevice takes) = local rank
  std::string visible_entry;  // the user's CUDA_VISIBLE_DEVICES entry it selects ("" = variable unset)
};

struct DeviceAssignment {
  config::DeviceKind device = config::DeviceKind::kCpu;
  int local_processes = 1;
  int visible_gpus = kGpusUnknown;
  std::optional<std::string> cuda_visible_devices;  // the user's value, passed unchanged; nullopt = unset
  std::vector<RankDevice> ranks;                    // one per local rank for device cuda; empty for cpu
  // Why these ranks cannot run here, as a complete user-facing message ("" = they can, or unknown).
  std::string problem;
  bool no_gpu = false;  // the problem is that no GPU is visible at all

  [[nodiscard]] bool cuda() const { return device == config::DeviceKind::kCuda; }
};

// The policy. local_processes >= 1; visible_gpus is what CUDA reports after applying the user's
// CUDA_VISIBLE_DEVICES (the CUDA runtime does that itself), or kGpusUnknown.
DeviceAssignment assign_devices(config::DeviceKind device, int local_processes, int visible_gpus,
                                const std::optional<std::string>& user_cuda_visible_devices);

// The entries of a CUDA_VISIBLE_DEVICES value ("2,3,5" or GPU-/MIG- UUIDs), trimmed, in order.
std::vector<std::string> split_visible_devices(const std::string& value);

// Variables for one locally spawned rank: for device cuda ZLAUNCH_LOCAL_DEVICE, and
// CUDA_VISIBLE_DEVICES (the user's value, unchanged) when the user set it. Empty for cpu.
std::map<std::string, std::string> device_environment(const DeviceAssignment& assignment, int local_rank);

// "cuda:1 (CUDA_VISIBLE_DEVICES entry 3)", "cuda:1", or "cpu": for --dry_run.
std::string describe_rank_device(const DeviceAssignment& assignment, int local_rank);

}  // namespace zl::launcher
