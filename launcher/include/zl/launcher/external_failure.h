// Which rank failed first, and on which host, as an external launcher's own lines say it (the failure
// report leads with that rank). mpirun names a rank in "Process name: [[job,1],R]" or "mpirun noticed
// that process rank R with PID P on node HOST exited on signal 9 (Killed)"; srun in "srun: error:
// HOST: task R: Killed" / "srun: error: HOST: tasks R-S,T: Exited with exit code 3", and a whole node
// in "srun: error: Node failure on HOST" or "srun: error: Task launch for StepId=... failed on node
// HOST: ...".
#pragma once

#include <deque>
#include <string>

namespace zl::launcher {

struct ExternalFailure {
  int rank = -1;       // the first rank named, -1 when only a node (or nothing) is named
  std::string host;    // the host named for it, "" when none
  std::string reason;  // srun's/mpirun's words for it ("Killed", "Exited with exit code 3", "Node failure")
};

// The failure named in `lines` (oldest first). srun, the first of each kind, in this order: a task killed
// by a signal other than the SIGTERM srun stops the others with (a rank killed mid-run makes its peers
// exit with errors first); a node srun lost (its failure, or a task launch that failed there); a task
// that exited with an error; a task stopped with SIGTERM. mpirun: the last naming line (the root cause
// mpirun reports last).
ExternalFailure find_srun_failure(const std::deque<std::string>& lines);
ExternalFailure find_mpirun_failure(const std::deque<std::string>& lines);

// True for srun's reason of a task killed by a signal of its own ("Killed", "Segmentation fault"), not
// for an exit ("Exited with exit code N") or the SIGTERM srun and Slurm stop tasks with ("Terminated").
bool killed_by_own_signal(const std::string& reason);

// A waitpid-style status for srun's reason: "Exited with exit code N", or a signal's strsignal() text
// ("Killed", "Segmentation fault"); `otherwise` for anything else.
int status_from_srun_reason(const std::string& reason, int otherwise);

}  // namespace zl::launcher
