// external_placement() and its helpers (rank_placement.h).
#include "zl/launcher/rank_placement.h"

#include <algorithm>

#include "zl/base/error.h"
#include "zl/launcher/external_launch.h"
#include "zl/launcher/slurm_nodes.h"

namespace zl::launcher {

std::vector<RankPlacement> external_placement(const LaunchPlan& plan) {
  std::vector<RankPlacement> placement(static_cast<std::size_t>(plan.world_size));
  if (plan.launcher == config::LauncherKind::kSlurm) {
    const std::vector<std::string> hosts = slurm_job_hosts();
    for (int rank = 0; rank < plan.world_size; ++rank) {
      auto& place = placement[static_cast<std::size_t>(rank)];
      place.node = rank / plan.procs_per_machine;
      if (place.node < static_cast<int>(hosts.size())) place.host = hosts[static_cast<std::size_t>(place.node)];
    }
    return placement;
  }
  if (plan.hostfile.empty()) {
    for (auto& place : placement) place = {0, plan.hostname};
    return placement;
  }
  std::vector<HostfileEntry> hosts;
  try {
    hosts = read_hostfile(plan.hostfile);
  } catch (const Error&) {
    return placement;  // changed or gone since the launch (it was read then): nothing is known
  }
  int rank = 0;
  for (std::size_t node = 0; node < hosts.size() && rank < plan.world_size; ++node) {
    for (int slot = 0; slot < hosts[node].slots && rank < plan.world_size; ++slot, ++rank) {
      placement[static_cast<std::size_t>(rank)] = {static_cast<int>(node), hosts[node].host};
    }
  }
  return placement;
}

std::string index_list(std::vector<int> ranks) {
  std::sort(ranks.begin(), ranks.end());
  std::string out;
  for (std::size_t i = 0; i < ranks.size();) {
    std::size_t j = i;
    while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    out += std::to_string(ranks[i]);
    if (j >= i + 2) {
      out += "-" + std::to_string(ranks[j]);
    } else if (j == i + 1) {
      out += ", " + std::to_string(ranks[j]);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace zl::launcher
