// Where mpirun or srun runs each rank when zlaunch starts the ranks through them: which node of the run
// and which host. The failure report names a rank's node from this when the external launcher's own
// lines do not (a rank that never started has no line of its own).
#pragma once

#include <string>
#include <vector>

#include "zl/launcher/launch_plan.h"

namespace zl::launcher {

struct RankPlacement {
  int node = -1;     // the node's index in the run, -1 when unknown
  std::string host;  // "" when unknown
};

// One entry per rank of the plan:
// - srun (--nodes N --ntasks-per-node P, its default block distribution): rank r on node r / P of the
//   allocation, hosts from slurm_job_hosts() (slurm_nodes.h; "" where that cannot be read);
// - mpirun with a hostfile: the hosts' slots filled in file order (mpirun's default placement by slot),
//   node = the host's line among the hosts; ranks past the last slot (--oversubscribe) stay unknown;
// - mpirun on this machine alone: node 0, this host.
// Never throws (a hostfile that cannot be read any more leaves every rank unknown). Runs scontrol (a
// child process it waits for): call from the supervising thread, not while it reaps.
std::vector<RankPlacement> external_placement(const LaunchPlan& plan);

// "2, 3" / "0-3" / "0, 2-4": rank or machine indices in ascending order, runs of three or more joined with '-'.
std::string index_list(std::vector<int> ranks);

}  // namespace zl::launcher
