// Test support: a real Slurm cluster on this machine for the length of one test (slurm_cluster.sh makes
// it: one controller and N nodes, each node a network + UTS namespace with its own address and hostname).
// Tests submit to it with sbatch/srun/squeue/scancel run under env(), and enter a node with in_node().
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "subprocess.h"

namespace zl::testing {

struct ClusterNode {
  std::string name;     // the Slurm NodeName, which is also the node's hostname
  std::string address;  // its IPv4 address on the cluster's bridge (10.201.<tag>.<i+2>)
  std::string netns;    // its network namespace (/run/netns/<netns>)
};

// How a job ended, from `scontrol show job`: JobState (COMPLETED, FAILED, CANCELLED, NODE_FAIL, ...) and
// ExitCode ("EXIT:SIGNAL", of the batch script). state is "" when the job never ended in time.
struct JobEnd {
  std::string state;
  std::string exit_code;
};

// Owns one cluster and its directory. Not copyable or movable: the daemons' state lives under dir(),
// which the destructor removes after stopping every daemon and deleting the namespaces.
class SlurmCluster {
 public:
  SlurmCluster();  // makes the directory; starts nothing
  ~SlurmCluster();
  SlurmCluster(const SlurmCluster&) = delete;
  SlurmCluster& operator=(const SlurmCluster&) = delete;

  // Starts `nodes` (>= 1) nodes and returns once all are idle. Returns "" when started, or why a cluster
  // cannot be made here (not root, no namespaces, a package missing) for GTEST_SKIP(). Throws
  // std::runtime_error, with the script's output, when the cluster fails to come up. Call at most once.
  std::string start(int nodes);
  // Stops everything start() made; idempotent. Throws std::runtime_error when something is left running.
  void stop();

  // What a child needs in its environment to use this cluster: SLURM_CONF, and ZL_CLUSTER_DIR (which
  // netns_rsh.sh reads). Empty before start().
  [[nodiscard]] const std::map<std::string, std::string>& env() const { return env_; }
  // The nodes in Slurm's order (node 0 runs the batch script of a job that holds every node).
  [[nodiscard]] const std::vector<ClusterNode>& nodes() const { return nodes_; }
  [[nodiscard]] const std::string& dir() const { return dir_; }

  // Runs a Slurm client command (sbatch, srun, squeue, scancel, scontrol) from the root namespace with
  // env() added and dir() as working directory.
  [[nodiscard]] ProcessResult slurm(const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // Polls until job_id has ended (COMPLETING is not ended). Finished jobs stay visible for MinJobAge=60 s.
  // Faster than `sbatch --wait`, whose polling backs off to 10 s.
  [[nodiscard]] JobEnd wait_for_job(const std::string& job_id, std::chrono::milliseconds timeout) const;

  // argv prefixed so that it runs in node i's network and UTS namespaces (i indexes nodes()); run it as
  // root, with env() added when it talks to Slurm.
  [[nodiscard]] std::vector<std::string> in_node(std::size_t i, const std::vector<std::string>& argv) const;
  // The rsh agent for OpenMPI's plm_rsh_agent (netns_rsh.sh): it needs env() in mpirun's environment.
  [[nodiscard]] static std::string rsh_agent();

 private:
  std::string dir_;
  bool started_ = false;
  std::map<std::string, std::string> env_;
  std::vector<ClusterNode> nodes_;
};

}  // namespace zl::testing
