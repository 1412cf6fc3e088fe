// slurm_job_hosts() and lost_slurm_nodes() (slurm_nodes.h).
#include "zl/launcher/slurm_nodes.h"

#include <cstdlib>
#include <map>
#include <sstream>

#include "zl/base/error.h"
#include "zl/launcher/captured_command.h"
#include "zl/launcher/rank_process.h"

namespace zl::launcher {
namespace {

// The lines a Slurm client prints, nothing when it is missing, cannot start or fails.
std::vector<std::string> slurm_lines(const std::string& program, const std::vector<std::string>& args) {
  try {
    std::vector<std::string> argv = {resolve_program(program)};
    argv.insert(argv.end(), args.begin(), args.end());
    const CapturedOutput shown = run_captured(argv);
    if (!shown.succeeded()) return {};
    std::vector<std::string> lines;
    std::istringstream in(shown.out);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    return lines;
  } catch (const Error&) {
    return {};
  }
}

// Down, failed, or not heard from ('*'). Not drain or failing: those nodes finish their jobs.
bool out_of_service(const std::string& state) {
  return (!state.empty() && state.back() == '*') || state.rfind("down", 0) == 0 || state == "fail";
}

}  // namespace

std::vector<std::string> slurm_job_hosts() {
  const char* list = std::getenv("SLURM_JOB_NODELIST");
  if (list == nullptr || *list == '\0') list = std::getenv("SLURM_NODELIST");
  if (list == nullptr || *list == '\0') return {};
  // Slurm's hostlist syntax ("node[1-3,7]", "a[01-02]b") is scontrol's to expand.
  return slurm_lines("scontrol", {"show", "hostnames", list});
}

std::vector<LostSlurmNode> lost_slurm_nodes(const std::vector<std::string>& nodes) {
  if (nodes.empty()) return {};
  std::string list;
  for (const std::string& node : nodes) list += (list.empty() ? "" : ",") + node;
  // One line per node and partition: "name|state|reason".
  std::map<std::string, LostSlurmNode> lost;
  for (const std::string& line :
       slurm_lines("sinfo", {"--noheader", "--Node", "--nodes=" + list, "--format=%N|%T|%E"})) {
    const auto first = line.find('|');
    const auto second = first == std::string::npos ? std::string::npos : line.find('|', first + 1);
    if (second == std::string::npos) continue;
    LostSlurmNode node{line.substr(0, first), line.substr(first + 1, second - first - 1), line.substr(second + 1)};
    if (node.reason == "none") node.reason.clear();
    if (out_of_service(node.state)) lost.emplace(node.name, node);
  }
  std::vector<LostSlurmNode> ordered;
  for (const std::string& node : nodes) {
    if (const auto found = lost.find(node); found != lost.end()) ordered.push_back(found->second);
  }
  return ordered;
}

}  // namespace zl::launcher
