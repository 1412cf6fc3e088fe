// write_targets_file() (targets_file.h).
#include "zl/launcher/targets_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
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
    entries.push_back({{"targets", {t.host + ":" + std::to_string(t.port)}}, {"labels", labels}});
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

std::string metrics_target_host(const std::string& bind_address, const std::string& hostname) {
  if (bind_address.empty() || bind_address == "0.0.0.0" || bind_address == "::" || bind_address == "[::]") {
    return hostname;
  }
  return bind_address;
}

void write_run_targets(const LaunchPlan& plan, std::vector<MetricsTarget> ranks) {
  if (!plan.metrics_enabled) return;
  if (plan.launcher_metrics_port != 0) {
    ranks.push_back({metrics_target_host(plan.metrics_bind, plan.hostname), plan.launcher_metrics_port,
                     plan.machine_rank, 0, true});
  }
  write_targets_file(plan.run_dir + "/targets.json", plan.run_id, ranks);
  if (!plan.targets_file_extra.empty()) write_targets_file(plan.targets_file_extra, plan.run_id, ranks);
}

}  // namespace zl::launcher
