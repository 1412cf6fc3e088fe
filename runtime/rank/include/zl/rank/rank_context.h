// RankContext: everything the launcher tells a rank (DESIGN.md §3), read from the environment once at
// start-up and passed down as one value, so no part of the runtime reads a launcher variable itself.
//
// A process that no launcher started (no RANK/WORLD_SIZE, OMPI_COMM_WORLD_* or SLURM_* variables) is a
// world of one: rank 0 of 1, launched = false, no store. Every field is a plain value; the type is
// cheap to copy and safe to share between threads once built.
#pragma once

#include <string>

#include "zl/rank/rank_identity.h"

namespace zl::rank {

struct RankContext {
  RankIdentity identity;    // rank, world size, local rank, node
  bool launched = false;    // false: no launcher variables at all (a world of one)
  int attempt = 0;          // ZLAUNCH_ATTEMPT: restart count, 0 first
  std::string run_id;       // ZLAUNCH_RUN_ID ("" = not under zlaunch run)
  std::string store;        // ZLAUNCH_STORE host:port of the rendezvous store ("" = none)
  std::string store_token;  // ZLAUNCH_STORE_TOKEN
  std::string host;         // ZLAUNCH_HOST: the address peers reach this rank at ("" = derive)
  std::string config_path;  // ZLAUNCH_CONFIG: config.resolved.json ("" = none)
  int local_device = 0;     // ZLAUNCH_LOCAL_DEVICE, else the local rank: this rank's GPU
  // ZLAUNCH_RDZV_TIMEOUT (the launcher's --rdzv_timeout, whole seconds): how long the collective
  // rendezvous waits for peers that start late; 0 = the program's own choice.
  int rendezvous_timeout_s = 0;
  // ZLAUNCH_PROGRESS_BAR=1: draw the live progress bar although stdout is a pipe (the launcher's
  // console is a terminal and redraws it in place).
  bool progress_bar = false;

  [[nodiscard]] bool has_store() const { return !store.empty(); }

  // Throws zl::UsageError naming the variable whose value is malformed.
  static RankContext from_environment(const EnvLookup& lookup);
  static RankContext from_environment();  // the process environment
};

}  // namespace zl::rank
