// Machine rendezvous through the store (rendezvous.h).
#include "zl/launcher/rendezvous.h"

#include <arpa/inet.h>
#include <poll.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "zl/base/error.h"
#include "zl/base/host_address.h"
#include "zl/launcher/rank_placement.h"
#include "zl/launcher/rank_process.h"
#include "zl/launcher/signal_channel.h"
#include "zl/store/socket_io.h"

namespace zl::launcher {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

RendezvousSession open_rendezvous(LaunchPlan& plan, bool need_client, std::chrono::milliseconds timeout) {
  RendezvousSession session;
  store::StoreClient::Options options;
  options.connect_timeout = timeout;
  if (plan.machine_rank == 0) {
    // One machine on a loopback address: nothing outside needs to reach the store.
    const std::string bind =
        plan.num_machines == 1 && is_loopback_address(plan.main_process_ip) ? plan.main_process_ip : "0.0.0.0";
    session.server =
        std::make_unique<store::StoreServer>(store::StoreServer::Options{bind, plan.store_port, plan.token});
    plan.store_port = session.server->port();
    plan.master_port = store::net::free_tcp_port(bind);
    if (plan.num_machines == 1 && !need_client) return session;
    session.client = std::make_unique<store::StoreClient>(store::StoreAddress{plan.main_process_ip, plan.store_port},
                                                          plan.token, options);
    if (plan.launchers() > 1) {
      const nlohmann::json published = {{"run_id", plan.run_id},
                                        {"world_size", plan.world_size},
                                        {"procs_per_machine", plan.procs_per_machine},
                                        {"master_port", plan.master_port},
                                        {"max_restarts", plan.max_restarts}};
      session.client->set("plan", published.dump());
    }
    return session;
  }
  session.client = std::make_unique<store::StoreClient>(store::StoreAddress{plan.main_process_ip, plan.store_port},
                                                        plan.token, options);
  const auto published = nlohmann::json::parse(session.client->get("plan", timeout), nullptr, false);
  if (!published.is_object()) throw InfrastructureError("rendezvous: machine 0 published an unreadable plan");
  const int world = published.value("world_size", 0);
  const int per_machine = published.value("procs_per_machine", 0);
  if (world != plan.world_size || per_machine != plan.procs_per_machine) {
    throw ConfigError("machine 0 runs " + std::to_string(world) + " processes (" + std::to_string(per_machine) +
                      " per machine) but this machine was started with --num_processes " +
                      std::to_string(plan.world_size) +
                      ": give every machine the same --num_processes and --num_machines");
  }
  plan.run_id = published.value("run_id", plan.run_id);
  plan.master_port = published.value("master_port", 0);
  plan.max_restarts = published.value("max_restarts", plan.max_restarts);
  return session;
}

void join_attempt(store::StoreClient& store, const LaunchPlan& plan, int attempt, std::chrono::milliseconds timeout) {
  const std::string prefix = store::attempt_prefix(attempt) + "joined/";
  store.set(prefix + std::to_string(plan.machine_rank), plan.hostname);
  std::vector<std::string> keys;
  for (int m = 0; m < plan.num_machines; ++m) keys.push_back(prefix + std::to_string(m));
  try {
    store.wait(keys, timeout);
  } catch (const store::StoreTimeoutError&) {
    std::vector<int> missing;
    for (int m = 0; m < plan.num_machines; ++m) {
      if (!store.check({keys[static_cast<std::size_t>(m)]})) missing.push_back(m);
    }
    throw InfrastructureError("rendezvous timed out after " + std::to_string(timeout.count() / 1000) +
                              " s (--rdzv_timeout): machine(s) " + index_list(missing) + " of " +
                              std::to_string(plan.num_machines) + " never joined the store at " + plan.store_address() +
                              " for attempt " + std::to_string(attempt));
  }
}

bool wait_for_peers_success(store::StoreClient& store, const LaunchPlan& plan, int attempt, SignalChannel& signals,
                            std::chrono::milliseconds timeout, std::string& failure, int& exit_code) {
  const auto deadline = Clock::now() + timeout;
  const std::string prefix = store::attempt_prefix(attempt);
  store.set(prefix + "done/" + std::to_string(plan.machine_rank), "1");
  std::vector<std::string> done;
  for (int m = 0; m < plan.num_machines; ++m) done.push_back(prefix + "done/" + std::to_string(m));
  while (true) {
    if (store.check(done)) return true;
    if (auto failed = store.try_get(prefix + "failed")) {
      const auto record = nlohmann::json::parse(*failed, nullptr, false);
      failure = record.is_object() ? record.value("description", *failed) : *failed;
      exit_code = record.is_object() ? record.value("exit_code", 1) : 1;
      return false;
    }
    pollfd p{signals.fd(), POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      for (const int sig : signals.drain()) {
        if (sig == SIGCHLD) continue;  // the ranks of the attempt that just ended
        failure = "received " + signal_name(sig) + " while waiting for the other machines";
        exit_code = 128 + sig;
        return false;
      }
    }
    if (Clock::now() >= deadline) {
      std::vector<int> silent;
      for (int m = 0; m < plan.num_machines; ++m) {
        if (!store.check({done[static_cast<std::size_t>(m)]})) silent.push_back(m);
      }
      failure = "machine(s) " + index_list(silent) + " reported neither success nor failure within --rdzv_timeout";
      exit_code = static_cast<int>(ExitCode::kInfrastructure);
      return false;
    }
  }
}

void finish_rendezvous(RendezvousSession& session, const LaunchPlan& plan, std::chrono::milliseconds timeout) {
  if (!session.client || plan.launchers() <= 1) return;
  try {
    if (plan.machine_rank != 0) {
      session.client->set("exit/" + std::to_string(plan.machine_rank), "1");
      return;
    }
    std::vector<std::string> keys;
    for (int m = 1; m < plan.num_machines; ++m) keys.push_back("exit/" + std::to_string(m));
    session.client->wait(keys, timeout);
  } catch (const std::exception&) {
    // Best effort: a machine that is gone cannot be waited for.
  }
}

}  // namespace zl::launcher
