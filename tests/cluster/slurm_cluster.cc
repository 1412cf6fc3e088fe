// SlurmCluster (slurm_cluster.h): drives tests/cluster/slurm_cluster.sh and reads what it writes
// (DIR/env, DIR/nodes).
#include "slurm_cluster.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace zl::testing {
namespace {

// The script's exit status when no cluster can be made here (the ctest skip convention).
constexpr int kCannotRunHere = 77;

ProcessOptions with_timeout(std::chrono::seconds timeout) {
  ProcessOptions options;
  options.timeout = timeout;
  return options;
}

std::string script() { return source_dir() + "/tests/cluster/slurm_cluster.sh"; }

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("SlurmCluster: cannot read " + path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// The value of `Key=` in a one-line `scontrol show -o` record ("" when absent).
std::string field(const std::string& record, const std::string& key) {
  const std::string needle = " " + key + "=";
  const auto at = (" " + record).find(needle);
  if (at == std::string::npos) return "";
  const auto begin = at + needle.size() - 1;
  return record.substr(begin, record.find_first_of(" \n", begin) - begin);
}

}  // namespace

SlurmCluster::SlurmCluster() : dir_(make_temp_dir("zl_cluster_")) {}

SlurmCluster::~SlurmCluster() {
  try {
    stop();
    std::filesystem::remove_all(dir_);
  } catch (const std::exception& e) {
    // The directory is kept: its logs say what was left behind.
    std::cerr << "SlurmCluster: " << e.what() << " (state kept in " << dir_ << ")\n";
  }
}

std::string SlurmCluster::start(int nodes) {
  if (started_) throw std::runtime_error("SlurmCluster: start() called twice");
  const ProcessResult check = run_process({script(), "check"}, with_timeout(std::chrono::seconds(30)));
  if (check.exit_code == kCannotRunHere) return trimmed(check.out);
  if (check.exit_code != 0) throw std::runtime_error("slurm_cluster.sh check failed: " + check.out + check.err);

  started_ = true;  // from here on stop() has something to undo, even when start fails
  // The script bounds its own wait for all-idle (30 s); this timeout only catches a hung script.
  const ProcessResult result =
      run_process({script(), "start", dir_, std::to_string(nodes)}, with_timeout(std::chrono::seconds(120)));
  if (result.exit_code == kCannotRunHere) return trimmed(result.err);
  if (result.exit_code != 0 || result.timed_out) {
    throw std::runtime_error("slurm_cluster.sh start " + std::to_string(nodes) + " failed (exit " +
                             std::to_string(result.exit_code) + "):\n" + result.out + result.err);
  }

  for (const std::string& line : lines_of(dir_ + "/env")) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) env_[line.substr(0, eq)] = line.substr(eq + 1);
  }
  for (const std::string& line : lines_of(dir_ + "/nodes")) {
    std::istringstream fields(line);
    ClusterNode node;
    fields >> node.name >> node.address >> node.netns;
    nodes_.push_back(node);
  }
  if (nodes_.size() != static_cast<std::size_t>(nodes)) {
    throw std::runtime_error("SlurmCluster: " + dir_ + "/nodes lists " + std::to_string(nodes_.size()) +
                             " nodes, not " + std::to_string(nodes));
  }
  return "";
}

void SlurmCluster::stop() {
  if (!started_) return;
  const ProcessResult result = run_process({script(), "stop", dir_}, with_timeout(std::chrono::seconds(60)));
  if (result.exit_code != 0) {
    throw std::runtime_error("slurm_cluster.sh stop failed (exit " + std::to_string(result.exit_code) +
                             "): " + result.out + result.err);
  }
  started_ = false;
}

ProcessResult SlurmCluster::slurm(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) const {
  ProcessOptions options;
  options.set_env = env_;
  options.working_directory = dir_;
  options.timeout = timeout;
  return run_process(argv, options);
}

JobEnd SlurmCluster::wait_for_job(const std::string& job_id, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const ProcessResult shown = slurm({"scontrol", "show", "job", "--oneliner", job_id}, std::chrono::seconds(20));
    const std::string state = field(shown.out, "JobState");
    if (!state.empty() && state != "PENDING" && state != "RUNNING" && state != "CONFIGURING" && state != "COMPLETING" &&
        state != "SUSPENDED" && state != "REQUEUED") {
      return {state, field(shown.out, "ExitCode")};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {};
}

std::vector<std::string> SlurmCluster::in_node(std::size_t i, const std::vector<std::string>& argv) const {
  const ClusterNode& node = nodes_.at(i);
  // The UTS namespace is held by the bind mount DIR/ns/<name>.uts (slurm_cluster.sh's contract).
  std::vector<std::string> prefixed = {"nsenter", "--net=/run/netns/" + node.netns,
                                       "--uts=" + dir_ + "/ns/" + node.name + ".uts", "--"};
  prefixed.insert(prefixed.end(), argv.begin(), argv.end());
  return prefixed;
}

std::string SlurmCluster::rsh_agent() { return source_dir() + "/tests/cluster/netns_rsh.sh"; }

}  // namespace zl::testing
