// What Slurm itself says about the nodes of the job zlaunch runs in (asked of scontrol and sinfo, the
// only ones who know: a node list's hostlist syntax, a node's state). Used when an attempt under srun
// fails, to name a node Slurm lost: the ranks elsewhere then fail only as a consequence (their peers'
// connections close, Slurm terminates the job's steps).
#pragma once

#include <string>
#include <vector>

namespace zl::launcher {

// `scontrol show hostnames` of this job's SLURM_JOB_NODELIST (or SLURM_NODELIST): the allocation's
// node names in Slurm's order; empty outside an allocation or when scontrol cannot be run.
std::vector<std::string> slurm_job_hosts();

struct LostSlurmNode {
  std::string name;    // the NodeName
  std::string state;   // sinfo's %T, e.g. "down*" ('*': not responding)
  std::string reason;  // sinfo's %E, e.g. "Not responding"; "" when Slurm gives none
};

// Those of `nodes` that Slurm has taken out of service or hears nothing from: a state of down or fail,
// or any state marked '*' (not responding), in the order of `nodes`. Empty when sinfo
// cannot be run or answers nothing. Runs sinfo (a child process it waits for): call from the
// supervising thread, not while it reaps.
std::vector<LostSlurmNode> lost_slurm_nodes(const std::vector<std::string>& nodes);

}  // namespace zl::launcher
