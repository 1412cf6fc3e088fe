// The Prometheus targets files under `zlaunch run` list what really serves, read while the run is on:
//   - a rank is listed only once it reported its address through the store, at that address (a
//     program that serves no /metrics is not listed; before, its would-be ports were);
//   - busy ports are traded for free ones, by the ranks and the launcher, and the files name the ports
//     really served, where each listed rank answers as itself;
//   - metrics.port 0 lists the ranks at their free ports (before, only the launcher was listed);
//   - under --launcher mpi, where mpirun starts the ranks, each rank has its own port and entry;
//   - every run's file is in <log_dir>/targets/, --metrics_targets_file writes one more, and at exit the
//     shared file goes while the run's own record and the extra file are left empty.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "http_client.h"
#include "launch_support.h"
#include "subprocess.h"
#include "zl/metrics/endpoint.h"

namespace zl {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::BackgroundProcess;
using testing::rank_program;

struct Listed {
  std::map<int, std::string> ranks;  // rank -> "host:port"
  std::string launcher;              // "" = not listed
};

Listed read_listed(const std::string& path) {
  Listed listed;
  const json doc = json::parse(testing::read_file(path), nullptr, false);
  if (!doc.is_array()) return listed;
  for (const auto& entry : doc) {
    const auto& labels = entry.at("labels");
    const std::string address = entry.at("targets").at(0).get<std::string>();
    if (labels.contains("rank")) listed.ranks[std::stoi(labels.at("rank").get<std::string>())] = address;
    if (labels.value("role", "") == "launcher") listed.launcher = address;
  }
  return listed;
}

// Polls the file until `ranks` ranks and the launcher are listed (or 30 s pass).
Listed wait_listed(const std::string& path, std::size_t ranks) {
  Listed listed;
  for (int i = 0; i < 300; ++i) {
    listed = read_listed(path);
    if (listed.ranks.size() >= ranks && !listed.launcher.empty()) break;
    std::this_thread::sleep_for(100ms);
  }
  return listed;
}

int port_of(const std::string& address) { return std::stoi(address.substr(address.rfind(':') + 1)); }

// The listed rank answers at its address as itself (the rank program's zl_test_rank_info).
void expect_serves_as(const std::string& address, int rank, const std::string& run_id) {
  const auto page = testing::http_get(port_of(address), "/metrics");
  EXPECT_EQ(page.status, 200) << address;
  EXPECT_NE(page.body.find("zl_test_rank_info{rank=\"" + std::to_string(rank) + "\",run_id=\"" + run_id + "\"} 1"),
            std::string::npos)
      << address << ":\n"
      << page.body;
}

bool have_mpirun() { return access("/usr/bin/mpirun", X_OK) == 0; }

class RunMetricsTargetsTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::make_temp_dir("zl_run_targets_");
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<std::string> zlaunch(const std::string& run_id, const std::vector<std::string>& args) const {
    return testing::zlaunch_run_argv(dir_, args, run_id);
  }
  [[nodiscard]] std::string shared_file(const std::string& run_id) const {
    return dir_ + "/logs/targets/" + run_id + ".json";
  }
};

TEST_F(RunMetricsTargetsTest, ARankThatServesNothingIsNotListed) {
  const int base = testing::free_port_range(3);
  ASSERT_GT(base, 0);
  const std::string extra = dir_ + "/extra_targets.json";
  BackgroundProcess run(zlaunch("quiet", {"-n", "2", "--metrics_port", std::to_string(base), "--metrics_targets_file",
                                          extra, rank_program(), "--sleep", "2500"}),
                        dir_);
  const Listed listed = wait_listed(shared_file("quiet"), 0);
  EXPECT_EQ(listed.launcher, "127.0.0.1:" + std::to_string(base + 2));
  std::this_thread::sleep_for(1s);  // well past when a reporting rank would have reported
  const Listed later = read_listed(shared_file("quiet"));
  EXPECT_TRUE(later.ranks.empty()) << testing::read_file(shared_file("quiet"));
  EXPECT_EQ(testing::read_file(extra), testing::read_file(shared_file("quiet")));
  EXPECT_EQ(run.wait(60s), 0) << run.err();
  EXPECT_FALSE(std::filesystem::exists(shared_file("quiet"))) << "a finished run leaves the shared directory";
  EXPECT_EQ(json::parse(testing::read_file(extra)), json::array());
  EXPECT_EQ(json::parse(testing::read_file(dir_ + "/logs/quiet/targets.json")), json::array());
}

TEST_F(RunMetricsTargetsTest, BusyPortsAreTradedForFreeOnesAndTheFilesNameThem) {
  const int base = testing::free_port_range(3);
  ASSERT_GT(base, 0);
  // Another run's endpoints on the ports this run asks for: ranks base, base+1, the launcher base+2.
  metrics::Endpoint held0("127.0.0.1", base), held1("127.0.0.1", base + 1), held2("127.0.0.1", base + 2);
  ASSERT_EQ(held2.port(), base + 2);
  BackgroundProcess run(zlaunch("busy", {"-n", "2", "--metrics_port", std::to_string(base), rank_program(),
                                         "--serve-metrics", "--sleep", "4000"}),
                        dir_);
  const Listed listed = wait_listed(shared_file("busy"), 2);
  ASSERT_EQ(listed.ranks.size(), 2u) << testing::read_file(shared_file("busy")) << run.err();
  std::set<int> ports = {port_of(listed.launcher)};
  for (const auto& [rank, address] : listed.ranks) {
    ports.insert(port_of(address));
    expect_serves_as(address, rank, "busy");
  }
  EXPECT_EQ(ports.size(), 3u) << "three distinct ports";
  for (const int held : {base, base + 1, base + 2}) EXPECT_EQ(ports.count(held), 0u) << held << " is not ours";
  EXPECT_EQ(read_listed(dir_ + "/logs/busy/targets.json").ranks, listed.ranks);
  EXPECT_EQ(run.wait(60s), 0) << run.err();
  EXPECT_NE(run.err().find("is taken"), std::string::npos) << run.err();
}

TEST_F(RunMetricsTargetsTest, PortZeroListsTheRanksAtTheirFreePorts) {
  BackgroundProcess run(
      zlaunch("any", {"-n", "2", "--metrics_port", "0", rank_program(), "--serve-metrics", "--sleep", "4000"}), dir_);
  const Listed listed = wait_listed(shared_file("any"), 2);
  ASSERT_EQ(listed.ranks.size(), 2u) << testing::read_file(shared_file("any")) << run.err();
  for (const auto& [rank, address] : listed.ranks) expect_serves_as(address, rank, "any");
  EXPECT_EQ(run.wait(60s), 0) << run.err();
}

TEST_F(RunMetricsTargetsTest, UnderMpirunEveryRankHasItsOwnPortAndEntry) {
  if (!have_mpirun()) GTEST_SKIP() << "mpirun is not installed (openmpi-bin)";
  const int base = testing::free_port_range(4);
  ASSERT_GT(base, 0);
  BackgroundProcess run(zlaunch("mpi", {"-n", "3", "--launcher", "mpi", "--metrics_port", std::to_string(base),
                                        rank_program(), "--serve-metrics", "--sleep", "5000"}),
                        dir_);
  const Listed listed = wait_listed(shared_file("mpi"), 3);
  ASSERT_EQ(listed.ranks.size(), 3u) << testing::read_file(shared_file("mpi")) << run.err();
  for (const auto& [rank, address] : listed.ranks) {
    EXPECT_EQ(address, "127.0.0.1:" + std::to_string(base + rank)) << "mpirun's local rank picks the port";
    expect_serves_as(address, rank, "mpi");
  }
  EXPECT_EQ(run.wait(90s), 0) << run.err();
}

}  // namespace
}  // namespace zl
