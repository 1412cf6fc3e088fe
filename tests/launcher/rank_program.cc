// A rank program for the launcher's integration tests: what it does depends on its RANK and
// ZLAUNCH_ATTEMPT, so one binary can play a healthy rank, a failing one, a crashing one or a hung one.
//
//   --print-env            print the launcher's environment contract as NAME=VALUE lines (an ACCELERATE_*
//                          variable only when set)
//   --exit R:CODE[:A]      rank R exits with CODE (only in attempt A when given)
//   --segv R               rank R dereferences a null pointer (after install_error_handler)
//   --throw R              rank R throws an uncaught std::runtime_error
//   --hang R               rank R sleeps forever without output or progress
//   --progress-hang R      rank R reports steps 1..3, then hangs "in" all_reduce
//   --ignore-term          ignore SIGTERM (tests the SIGKILL escalation)
//   --ignore-int           ignore SIGINT (tests the second Ctrl-C)
//   --sleep MS             every rank sleeps MS milliseconds before exiting 0, reporting progress
//                          every 100 ms like a healthy training loop
//   --wait-pids N          wait (up to 10 s) until N pid files exist in --pid-dir's directory
//   --pid-dir DIR          write DIR/rank_<R>.pid first thing
//   --grandchild           fork a child that sleeps forever in the rank's process group
//   --announce-start       announce this rank's start to the launcher (zl/rank/start_announcement.h), as
//                          the runtime's collective rendezvous does
//   --store-check          SET/GET through ZLAUNCH_STORE with the token; print "store ok"
//   --serve-metrics        serve /metrics as train does (ZLAUNCH_METRICS_PORT + local rank, a free port when
//                          that is busy, 0 = any) with zl_test_rank_info{rank, run_id} 1, and report the
//                          address to the launcher (zl/rank/metrics_address.h); kept until exit
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <memory>

#include "zl/metrics/endpoint.h"
#include "zl/rank/error_file.h"
#include "zl/rank/metrics_address.h"
#include "zl/rank/progress_reporter.h"
#include "zl/rank/rank_context.h"
#include "zl/rank/rank_identity.h"
#include "zl/rank/start_announcement.h"
#include "zl/store/store_client.h"

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

[[noreturn]] void hang() {
  while (true) std::this_thread::sleep_for(std::chrono::seconds(1));
}

}  // namespace

int main(int argc, char** argv) {
  zl::rank::install_error_handler();
  const auto id = zl::rank::rank_identity_from_env();
  const int rank = id.rank;
  const int attempt = env_int("ZLAUNCH_ATTEMPT", 0);
  int sleep_ms = 0;
  std::string pid_dir;
  std::unique_ptr<zl::metrics::Endpoint> endpoint;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const std::string next = i + 1 < argc ? argv[i + 1] : "";
    if (arg == "--pid-dir") {
      pid_dir = next;
      std::ofstream(next + "/rank_" + std::to_string(rank) + ".pid.tmp") << getpid() << '\n';
      std::rename((next + "/rank_" + std::to_string(rank) + ".pid.tmp").c_str(),
                  (next + "/rank_" + std::to_string(rank) + ".pid").c_str());
      ++i;
    } else if (arg == "--wait-pids") {
      const int count = std::atoi(next.c_str());
      for (int waited = 0; waited < 1000; ++waited) {
        int present = 0;
        for (int r = 0; r < count; ++r)
          present += ::access((pid_dir + "/rank_" + std::to_string(r) + ".pid").c_str(), F_OK) == 0;
        if (present == count) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      ++i;
    } else if (arg == "--print-env") {
      for (const char* name : {"RANK",
                               "LOCAL_RANK",
                               "WORLD_SIZE",
                               "LOCAL_WORLD_SIZE",
                               "NODE_RANK",
                               "MASTER_ADDR",
                               "MASTER_PORT",
                               "ZLAUNCH_STORE",
                               "ZLAUNCH_STORE_TOKEN",
                               "ZLAUNCH_RUN_ID",
                               "ZLAUNCH_ATTEMPT",
                               "ZLAUNCH_CONFIG",
                               "ZLAUNCH_ERROR_FILE",
                               "ZLAUNCH_METRICS_PORT",
                               "OMP_NUM_THREADS",
                               "OPENBLAS_CORETYPE",
                               "CUDA_VISIBLE_DEVICES",
                               "ZLAUNCH_LOCAL_DEVICE",
                               "GROUP_RANK",
                               "GROUP_WORLD_SIZE",
                               "ROLE_NAME",
                               "ROLE_RANK",
                               "ROLE_WORLD_SIZE",
                               "TORCHELASTIC_RUN_ID",
                               "TORCHELASTIC_RESTART_COUNT",
                               "TORCHELASTIC_MAX_RESTARTS",
                               "TORCHELASTIC_USE_AGENT_STORE",
                               "TORCHELASTIC_ERROR_FILE",
                               "ACCELERATE_MIXED_PRECISION",
                               "ACCELERATE_USE_CPU",
                               "ACCELERATE_DYNAMO_BACKEND",
                               "ACCELERATE_USE_DEEPSPEED",
                               "ACCELERATE_DEEPSPEED_CONFIG_FILE",
                               "ACCELERATE_DEEPSPEED_ZERO_STAGE",
                               "ACCELERATE_GRADIENT_ACCUMULATION_STEPS",
                               "ZLAUNCH_DEEPSPEED_CONFIG"}) {
        const char* value = std::getenv(name);
        if (value == nullptr && std::string(name).rfind("ACCELERATE_", 0) == 0) continue;  // absent, as printed
        std::printf("%s=%s\n", name, value != nullptr ? value : "<unset>");
      }
      std::printf("IDENTITY=%d/%d local %d/%d node %d from %s\n", id.rank, id.world_size, id.local_rank,
                  id.local_world_size, id.node_rank, id.source.c_str());
      std::fflush(stdout);
    } else if (arg == "--exit") {
      int r = -1, code = 0, a = -1;
      const int fields = std::sscanf(next.c_str(), "%d:%d:%d", &r, &code, &a);
      if (r == rank && (fields < 3 || a == attempt)) {
        std::fprintf(stderr, "rank %d exiting with %d on purpose\n", rank, code);
        return code;
      }
      ++i;
    } else if (arg == "--segv") {
      if (std::atoi(next.c_str()) == rank) {
        std::fprintf(stderr, "rank %d about to crash\n", rank);
        std::fflush(stderr);
        volatile int* null = nullptr;
        *null = 1;
      }
      ++i;
    } else if (arg == "--throw") {
      if (std::atoi(next.c_str()) == rank) throw std::runtime_error("rank program failed on purpose");
      ++i;
    } else if (arg == "--hang") {
      if (std::atoi(next.c_str()) == rank) hang();
      ++i;
    } else if (arg == "--progress-hang") {
      if (std::atoi(next.c_str()) == rank) {
        zl::rank::ProgressReporter progress(zl::rank::RankContext::from_environment());
        for (int step = 1; step <= 3; ++step) progress.report(step);
        progress.report(3, "all_reduce");
        hang();
      }
      ++i;
    } else if (arg == "--ignore-int") {
      ::signal(SIGINT, SIG_IGN);
    } else if (arg == "--ignore-term") {
      ::signal(SIGTERM, SIG_IGN);
    } else if (arg == "--sleep") {
      sleep_ms = std::atoi(next.c_str());
      ++i;
    } else if (arg == "--grandchild") {
      if (fork() == 0) hang();
    } else if (arg == "--serve-metrics") {
      const auto context = zl::rank::RankContext::from_environment();
      const int base = env_int("ZLAUNCH_METRICS_PORT", 0);
      endpoint = std::make_unique<zl::metrics::Endpoint>("127.0.0.1", base == 0 ? 0 : base + id.local_rank);
      prometheus::BuildGauge()
          .Name("zl_test_rank_info")
          .Help("the rank program's identity")
          .Register(endpoint->registry())
          .Add({{"rank", std::to_string(rank)}, {"run_id", context.run_id}})
          .Set(1);
      std::string problem;
      if (!zl::rank::publish_metrics_address(context, endpoint->scrape_address(), &problem)) {
        std::fprintf(stderr, "rank %d: cannot report the metrics address: %s\n", rank, problem.c_str());
        return 5;
      }
    } else if (arg == "--announce-start") {
      auto store = zl::store::StoreClient::from_environment();
      zl::rank::announce_start(zl::rank::RankContext::from_environment(), store);
    } else if (arg == "--store-check") {
      auto store = zl::store::StoreClient::from_environment();
      zl::store::PrefixStore scoped(store, zl::store::attempt_prefix(attempt));
      scoped.set("hello/" + std::to_string(rank), "from " + std::to_string(rank));
      const std::string peer = std::to_string((rank + 1) % id.world_size);
      std::printf("store ok: %s\n", scoped.get("hello/" + peer, std::chrono::seconds(30)).c_str());
      std::fflush(stdout);
    }
  }
  if (sleep_ms > 0) {
    zl::rank::ProgressReporter progress(zl::rank::RankContext::from_environment());
    for (int slept = 0, step = 0; slept < sleep_ms; slept += 100) {
      progress.report(++step);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(100, sleep_ms - slept)));
    }
  }
  return 0;
}
