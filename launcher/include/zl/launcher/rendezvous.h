// Rendezvous of the machines' launchers through the store (DESIGN.md §3). Machine 0 runs the store,
// picks MASTER_PORT and publishes the plan (key "plan": run id, world size, processes per machine,
// master port); machines 1..M-1 connect, receive it, and every machine registers for each attempt
// (attempt/<N>/joined/<m>) and waits for all. A timeout names the machines that never came. All
// failures here are InfrastructureError (exit 3).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "zl/launcher/launch_plan.h"
#include "zl/store/store_client.h"
#include "zl/store/store_server.h"

namespace zl::launcher {

class SignalChannel;

struct RendezvousSession {
  std::unique_ptr<store::StoreServer> server;  // machine 0 only
  std::unique_ptr<store::StoreClient> client;  // when several machines or hang detection need one
};

// Fills plan.store_port, plan.master_port (and on machines > 0 plan.run_id, world and restarts from
// machine 0's plan). `need_client` asks for a client on machine 0 even on a single machine.
RendezvousSession open_rendezvous(LaunchPlan& plan, bool need_client, std::chrono::milliseconds timeout);

// Every machine registers for `attempt` and waits for all machines to do so.
void join_attempt(store::StoreClient& store, const LaunchPlan& plan, int attempt, std::chrono::milliseconds timeout);

// After this machine's ranks of `attempt` all succeeded: announce it and wait until every machine has
// (true) or one announced a failure (false, with its description and exit code). A signal, or machines
// silent for longer than `timeout` (their launcher died), end the wait with a failure too.
bool wait_for_peers_success(store::StoreClient& store, const LaunchPlan& plan, int attempt, SignalChannel& signals,
                            std::chrono::milliseconds timeout, std::string& failure, int& exit_code);

// Before exiting: machines > 0 say goodbye; machine 0 waits (bounded) for them so the store outlives
// their last request.
void finish_rendezvous(RendezvousSession& session, const LaunchPlan& plan, std::chrono::milliseconds timeout);

}  // namespace zl::launcher
