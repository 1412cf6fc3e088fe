// The run's Prometheus targets files (targets_file.h).
#include "zl/launcher/targets_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "zl/base/error.h"
#include "zl/launcher/launch_plan.h"

namespace zl::launcher {

void write_targets_file(const std::string& path, const std::string& run_id, const std::vector<MetricsTarget>& targets) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& t : targets) {
    nlohmann::json labels = {{"job", "zlaunch"}, {"run_id", run_id}, {"node", std::to_string(t.node)}};
    if (t.launcher) {
      labels["role"] = "launcher";
    } else {
      labels["rank"] = std::to_string(t.rank);
    }
    entries.push_back({{"targets", {t.address}}, {"labels", labels}});
  }
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << entries.dump(2) << '\n';
    if (!out) throw SystemError("cannot write the targets file " + temporary, errno);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(temporary.c_str());
    throw SystemError("cannot replace the targets file " + path, err);
  }
}

void write_run_targets(const LaunchPlan& plan, std::vector<MetricsTarget> ranks) {
  if (!plan.metrics_enabled) return;
  if (!plan.launcher_metrics_address.empty()) {
    ranks.push_back({plan.launcher_metrics_address, plan.machine_rank, 0, true});
  }
  write_targets_file(plan.run_dir + "/targets.json", plan.run_id, ranks);
  const std::filesystem::path shared = plan.shared_targets_path();
  std::error_code ec;
  std::filesystem::create_directories(shared.parent_path(), ec);
  write_targets_file(shared.string(), plan.run_id, ranks);
  if (!plan.targets_file_extra.empty()) write_targets_file(plan.targets_file_extra, plan.run_id, ranks);
}

void clear_run_targets(const LaunchPlan& plan) {
  if (!plan.metrics_enabled) return;
  write_targets_file(plan.run_dir + "/targets.json", plan.run_id, {});
  if (!plan.targets_file_extra.empty()) write_targets_file(plan.targets_file_extra, plan.run_id, {});
  std::error_code ec;
  std::filesystem::remove(plan.shared_targets_path(), ec);
}

}  // namespace zl::launcher
