// Three runs on one machine at once, scraped by one Debian Prometheus through the template's single
// file_sd glob (zlaunch_logs/targets/*.json), as a user with a shared training box would have it:
//   - run A holds metrics ports P, P+1 (ranks) and P+2 (its launcher);
//   - run B starts while A holds them, asking for the same ports: its ranks and launcher take free ones;
//   - run C asks for port 0 (any free port).
// Then every run's series carry its own run_id and ranks, none is missing, and none belongs to another:
//   - zlaunch_optimizer_steps_total{run_id=X} has ranks 0 and 1, scraped from the addresses whose
//     zlaunch_run_info says run_id X (the process's own word; honor_labels keeps it);
//   - no address is scraped under two runs, and B's and C's ranks were never scraped at A's addresses;
//   - the counters differ as the training does: A's step counter goes past B's and C's last step,
//     B's and C's never exceed their --steps;
//   - each run's launcher is a target of its own.
// A trains until the test stops it with SIGINT (as Ctrl-C would), so it holds its ports for as long as
// B and C run on a fast machine or a loaded one.
// The same under --launcher mpi, where mpirun starts the ranks and only their reports name them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "http_client.h"
#include "launch_support.h"
#include "prometheus_server.h"
#include "subprocess.h"

namespace zl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::value_of;

// A would train far longer than the test lasts; B and C differ, and run long enough (seconds even on
// a fast machine: a tiny step over shm takes well under a millisecond) to be scraped several times at 1 s.
constexpr int kStepsA = 10000000;
constexpr int kStepsB = 6000;
constexpr int kStepsC = 4000;

bool have_mpirun() {
  for (const char* dir : {"/usr/bin/mpirun", "/usr/local/bin/mpirun"}) {
    if (access(dir, X_OK) == 0) return true;
  }
  return false;
}

// The rank entries of a run's file in <log_dir>/targets/ (empty while it is missing or unreadable).
std::map<std::string, std::string> listed_ranks(const std::string& path) {
  std::map<std::string, std::string> ranks;  // rank -> address
  const json doc = json::parse(testing::read_file(path), nullptr, false);
  if (!doc.is_array()) return ranks;
  for (const auto& entry : doc) {
    const auto& labels = entry["labels"];
    if (labels.contains("rank")) ranks[labels["rank"].get<std::string>()] = entry["targets"][0].get<std::string>();
  }
  return ranks;
}

class ConcurrentRuns : public ::testing::TestWithParam<std::string> {};

TEST_P(ConcurrentRuns, EverySeriesBelongsToItsOwnRun) {
  const std::string launcher = GetParam();
  if (access(testing::kPrometheus, X_OK) != 0)
    GTEST_SKIP() << "Debian's prometheus is not installed (scripts/install-deps.sh installs it)";
  if (launcher == "mpi" && !have_mpirun()) GTEST_SKIP() << "mpirun is not installed (openmpi-bin)";
  const std::string work = testing::make_temp_dir("zl_prometheus_runs_");
  std::ofstream(work + "/prometheus.yml") << testing::fast_prometheus_config(testing::source_dir());
  const int prometheus_port = testing::free_port_range(1);
  const int port = testing::free_port_range(3);  // A's two ranks, then A's launcher
  ASSERT_GT(port, 0);
  testing::PrometheusServer prometheus(work + "/prometheus.yml", work + "/tsdb", prometheus_port);
  ASSERT_TRUE(prometheus.wait_ready()) << testing::read_file(work + "/tsdb.log");

  const std::string logs = work + "/zlaunch_logs";
  auto argv = [&](const std::string& id, int steps, int metrics_port) {
    return std::vector<std::string>{testing::zlaunch_binary(),
                                    "run",
                                    "-n",
                                    "2",
                                    "--launcher",
                                    launcher,
                                    "--log_dir",
                                    logs,
                                    "--run_id",
                                    id,
                                    "--metrics_port",
                                    std::to_string(metrics_port),
                                    "train",
                                    "--model",
                                    "tiny",
                                    "--steps",
                                    std::to_string(steps)};
  };
  auto start_run = [&](const std::string& id, int steps, int metrics_port) {
    return std::async(std::launch::async, [=] {
      testing::ProcessOptions options;
      options.timeout = std::chrono::minutes(8);
      return testing::run_process(argv(id, steps, metrics_port), options);
    });
  };
  fs::create_directories(work + "/a");
  testing::BackgroundProcess a(argv("runA", kStepsA, port), work + "/a");
  // B and C start once A's ranks have reported, so A holds its ports while B binds.
  std::map<std::string, std::string> a_listed;
  for (int i = 0; i < 1200 && a_listed.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    a_listed = listed_ranks(logs + "/targets/runA.json");
  }
  ASSERT_EQ(a_listed.size(), 2u) << testing::read_file(logs + "/targets/runA.json") << a.err();
  EXPECT_EQ(a_listed["0"], "127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(a_listed["1"], "127.0.0.1:" + std::to_string(port + 1));
  auto b = start_run("runB", kStepsB, port);
  auto c = start_run("runC", kStepsC, 0);
  const auto rb = b.get();
  const auto rc = c.get();
  ASSERT_EQ(rb.exit_code, 0) << rb.out << rb.err;
  ASSERT_EQ(rc.exit_code, 0) << rc.out << rc.err;
  // A runs on until Prometheus has seen both of its ranks count past B's last step (each rank is
  // scraped on its own schedule, so one can lag the other by a scrape), then stops as Ctrl-C stops it.
  const std::string a_steps = "max_over_time(zlaunch_optimizer_steps_total{run_id=\"runA\"}[10m])";
  bool a_past_b = false;
  for (int i = 0; i < 600 && !a_past_b; ++i) {
    const json seen = prometheus.query(a_steps);
    a_past_b = seen.size() == 2;
    for (const auto& s : seen) a_past_b = a_past_b && value_of(s) > kStepsB + 5;
    if (!a_past_b) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(a_past_b) << a.err();
  a.signal(SIGINT);
  EXPECT_EQ(a.wait(std::chrono::minutes(1)), 130) << a.err();
  EXPECT_NE(rb.err.find("is taken"), std::string::npos) << "B's launcher should say it moved: " << rb.err;
  // The shared directory holds no finished run's file; each run's own record is left empty.
  EXPECT_FALSE(fs::exists(logs + "/targets/runA.json")) << "the interrupted run's file goes too";
  EXPECT_EQ(json::parse(testing::read_file(logs + "/runB/targets.json")), json::array());

  std::map<std::string, std::set<std::string>> rank_addresses;  // run -> addresses its ranks were scraped at
  for (const auto& [id, steps] : {std::pair{"runA", kStepsA}, std::pair{"runB", kStepsB}, std::pair{"runC", kStepsC}}) {
    const std::string sel = "{job=\"zlaunch\",run_id=\"" + std::string(id) + "\"}";
    const json counted = prometheus.query("max_over_time(zlaunch_optimizer_steps_total" + sel + "[10m])");
    ASSERT_EQ(counted.size(), 2u) << id << counted.dump();
    std::set<std::string> ranks, addresses;
    for (const auto& s : counted) {
      ranks.insert(s["metric"]["rank"].get<std::string>());
      addresses.insert(s["metric"]["instance"].get<std::string>());
      EXPECT_GE(value_of(s), 1.0) << id << s.dump();
      EXPECT_LE(value_of(s), steps) << id << " counted steps its training never took: " << s.dump();
      if (std::string(id) == "runA") {
        EXPECT_GT(value_of(s), kStepsB) << s.dump();
      }
    }
    EXPECT_EQ(ranks, (std::set<std::string>{"0", "1"})) << id;
    // The processes at those addresses say themselves that they are this run's ranks.
    const json info = prometheus.query("max_over_time(zlaunch_run_info" + sel + "[10m])");
    std::set<std::string> info_addresses;
    for (const auto& s : info) info_addresses.insert(s["metric"]["instance"].get<std::string>());
    EXPECT_EQ(info_addresses, addresses) << id << info.dump();
    rank_addresses[id] = addresses;
    const json launcher_alive = prometheus.query("max_over_time(zlaunch_launcher_ranks_alive{run_id=\"" +
                                                 std::string(id) + "\",role=\"launcher\"}[10m])");
    ASSERT_EQ(launcher_alive.size(), 1u) << id << launcher_alive.dump();
    EXPECT_EQ(addresses.count(launcher_alive[0]["metric"]["instance"].get<std::string>()), 0u) << id;
  }
  EXPECT_EQ(rank_addresses["runA"],
            (std::set<std::string>{"127.0.0.1:" + std::to_string(port), "127.0.0.1:" + std::to_string(port + 1)}));
  for (const char* other : {"runB", "runC"}) {
    for (const auto& address : rank_addresses[other]) {
      EXPECT_EQ(rank_addresses["runA"].count(address), 0u) << other << " scraped at A's address " << address;
    }
  }
  // No address was ever scraped under two runs.
  const json shared = prometheus.query(
      "count by (instance) (count by (instance, run_id) (max_over_time(zlaunch_optimizer_steps_total[10m]))) > 1");
  EXPECT_TRUE(shared.empty()) << shared.dump();
}

INSTANTIATE_TEST_SUITE_P(Launchers, ConcurrentRuns, ::testing::Values("local", "mpi"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace zl
