// Supervision of one attempt (DESIGN.md §3): spawn this machine's ranks (or the one mpirun/srun that
// starts them), route their output, poll every <= 100 ms, and end the attempt on the first failure
// (SIGTERM to every rank's process group, SIGKILL after --shutdown_timeout), on a hung rank, on a
// forwarded SIGINT/SIGTERM/SIGHUP (a second SIGINT kills at once), on several machines when another
// machine announces a failure in the store (attempt/<N>/failed), or under mpirun/srun when ranks that
// announce their start (zl/rank/start_announcement.h) are still missing --rdzv_timeout after the spawn.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "zl/launcher/launch_plan.h"
#include "zl/launcher/stream_selection.h"

namespace zl::metrics {
class LauncherMetrics;
}

namespace zl::store {
class StoreClient;
}

namespace zl::launcher {

class SignalChannel;

// Exit code of a run ended because a rank hung (documented in docs/launcher.md).
inline constexpr int kHangExitCode = 1;

struct SupervisorSettings {
  std::chrono::milliseconds monitor_interval{100};
  std::chrono::milliseconds shutdown_timeout{5000};
  std::chrono::milliseconds hang_timeout{0};  // 0 = off
  StreamSelection off_console;                // --redirects: streams kept in the rank files only
  std::set<int> ranks_filter;                 // empty = all ranks on the console
  std::vector<std::string> external_command;  // mpirun/srun argv; empty = spawn the ranks here
  // Under mpirun/srun: how long after the spawn every rank must have announced its start (once any has;
  // a program that never announces is not watched). 0 = not watched.
  std::chrono::milliseconds start_timeout{0};
  // The launcher's own series (ranks alive, hang detections, and each spawned rank's process
  // sampled about once a second: CPU, memory, threads, GPU memory); null when the launcher serves
  // no /metrics. Not owned; updated from the supervision loop's thread only.
  metrics::LauncherMetrics* metrics = nullptr;
};

struct RankRecord {
  int rank = 0;
  int local_rank = 0;
  pid_t pid = -1;
  bool exited = false;
  int status = 0;                    // waitpid status once exited
  bool stopped_by_launcher = false;  // signalled during teardown
  std::string hang_reason;           // set for a rank declared hung
  bool external = false;             // started by mpirun/srun: its own status is not known here
  // Where it ran when that is not this launcher's machine (mpirun/srun name it): its node index and
  // host; -1 and "" = this machine (LaunchPlan::machine_rank, hostname).
  int node = -1;
  std::string host;
  std::string stderr_path;
  std::string error_file;
  std::deque<std::string> stderr_tail;
};

// A node of an mpirun/srun launch lost as a whole: its ranks never announced their start, or srun
// named it failed ("Node failure on HOST", "Task launch ... failed on node HOST").
struct NodeFailure {
  int node = -1;           // its index in the run (rank_placement.h), -1 when unknown
  std::string host;        // "" when unknown
  std::vector<int> ranks;  // the ranks placed on it (kNotStarted: those of them that never started)
  std::string reason;      // "never started within --rdzv_timeout (15 s)", or srun's words
};

struct AttemptOutcome {
  // kNotStarted: under mpirun/srun, ranks that never announced their start within --rdzv_timeout
  // while others had (start_announcement.h); failed_nodes names them.
  enum class Kind { kSuccess, kRankFailed, kHang, kInterrupted, kPeerFailed, kNotStarted };
  Kind kind = Kind::kSuccess;
  int exit_code = 0;
  int root_cause = -1;       // index into ranks, -1 when the cause is elsewhere
  int signal = 0;            // kInterrupted: the signal the launcher received
  std::string peer_failure;  // kPeerFailed: the other machine's description
  std::vector<RankRecord> ranks;
  std::deque<std::string> launcher_messages;  // mpirun's/srun's own last lines
  // The nodes lost (kNotStarted, or srun naming a node and no rank): the root cause when root_cause is
  // -1; with an interruption, what Slurm stopped the job for (a node's failure ends the whole job).
  std::vector<NodeFailure> failed_nodes;
};

// store: the launcher's client (progress reports, failure announcements); may be null on one machine
// when no hang detection is needed.
AttemptOutcome run_attempt(const LaunchPlan& plan, const SupervisorSettings& settings, int attempt,
                           SignalChannel& signals, store::StoreClient* store);

}  // namespace zl::launcher
