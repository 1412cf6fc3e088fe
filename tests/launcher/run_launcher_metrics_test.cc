// The launcher's own /metrics under `zlaunch run`, scraped over HTTP while the run is on: it serves on
// metrics.port + processes per machine, counts restarts and the ranks alive, counts a hang detection,
// and lists itself in the file_sd targets file with role="launcher" next to the ranks that reported
// their address (whose entries keep their rank label); when it exits its entry goes away.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "http_client.h"
#include "launch_support.h"
#include "subprocess.h"

namespace zl {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::BackgroundProcess;
using testing::rank_program;
using testing::scrape_until;
using testing::zlaunch_binary;

// The value of an unlabelled series on a Prometheus text page, or -1 when absent.
double series_value(const std::string& page, const std::string& name) {
  const std::regex line("(^|\n)" + name + " ([^\n]+)");
  std::smatch m;
  return std::regex_search(page, m, line) ? std::stod(m[2].str()) : -1.0;
}

class RunLauncherMetricsTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::make_temp_dir("zl_run_lmetrics_");
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<std::string> zlaunch(const std::vector<std::string>& args) const {
    return testing::zlaunch_run_argv(dir_, args, "lm1");
  }
};

TEST_F(RunLauncherMetricsTest, CountsTheRestartAndTheRanksAliveAndListsItselfAsATarget) {
  const int base = testing::free_port_range(3);  // ranks 0, 1 and the launcher just past them
  ASSERT_GT(base, 0);
  const int launcher_port = base + 2;
  BackgroundProcess launcher(zlaunch({"-n", "2", "--max_restarts", "1", "--metrics_port", std::to_string(base),
                                      rank_program(), "--exit", "1:3:0", "--serve-metrics", "--sleep", "6000"}),
                             dir_);
  std::string page;
  const bool restarted_and_running = scrape_until(launcher_port, page, 30s, [](const std::string& p) {
    return series_value(p, "zlaunch_launcher_restarts_total") == 1.0 &&
           series_value(p, "zlaunch_launcher_ranks_alive") == 2.0;
  });
  EXPECT_TRUE(restarted_and_running) << "last page:\n" << page << "\nlauncher:\n" << launcher.err();
  EXPECT_EQ(series_value(page, "zlaunch_launcher_restarts_total"), 1.0) << page;
  EXPECT_EQ(series_value(page, "zlaunch_launcher_ranks_alive"), 2.0) << page;
  EXPECT_EQ(series_value(page, "zlaunch_launcher_hang_detections_total"), 0.0) << page;
  EXPECT_GE(series_value(page, "zlaunch_launcher_rendezvous_duration_seconds"), 0.0) << page;

  // The targets file of the running attempt: both ranks (once they reported) and the launcher.
  json targets;
  for (int i = 0; i < 100 && targets.size() != 3; ++i) {
    std::this_thread::sleep_for(100ms);
    targets = json::parse(testing::read_file(dir_ + "/logs/lm1/targets.json"), nullptr, false);
  }
  ASSERT_TRUE(targets.is_array()) << targets.dump();
  const json launcher_entry = {
      {"targets", {"127.0.0.1:" + std::to_string(launcher_port)}},
      {"labels", {{"job", "zlaunch"}, {"run_id", "lm1"}, {"node", "0"}, {"role", "launcher"}}}};
  const json rank1_entry = {{"targets", {"127.0.0.1:" + std::to_string(base + 1)}},
                            {"labels", {{"job", "zlaunch"}, {"run_id", "lm1"}, {"node", "0"}, {"rank", "1"}}}};
  EXPECT_EQ(targets.size(), 3u) << targets.dump(2);
  EXPECT_NE(std::find(targets.begin(), targets.end(), launcher_entry), targets.end()) << targets.dump(2);
  EXPECT_NE(std::find(targets.begin(), targets.end(), rank1_entry), targets.end()) << targets.dump(2);

  EXPECT_EQ(launcher.wait(60s), 0) << launcher.err();
  EXPECT_NE(launcher.err().find("restarting the whole group: attempt 1"), std::string::npos) << launcher.err();
  EXPECT_EQ(json::parse(testing::read_file(dir_ + "/logs/lm1/targets.json")), json::array())
      << "the launcher removes its own entry when it exits";
  EXPECT_NE(testing::http_get(launcher_port, "/metrics", 1s).status, 200) << "the endpoint ends with the launcher";
}

TEST_F(RunLauncherMetricsTest, CountsAHangDetection) {
  const int base = testing::free_port_range(3);
  ASSERT_GT(base, 0);
  // Rank 1 hangs and ignores SIGTERM, so the group's teardown lasts --shutdown_timeout: long enough to
  // scrape the launcher after it declared the hang.
  BackgroundProcess launcher(
      zlaunch({"-n", "2", "--hang_timeout", "1", "--shutdown_timeout", "8", "--metrics_port", std::to_string(base),
               rank_program(), "--ignore-term", "--hang", "1", "--sleep", "60000"}),
      dir_);
  std::string page;
  EXPECT_TRUE(scrape_until(
      base + 2, page, 30s,
      [](const std::string& p) { return series_value(p, "zlaunch_launcher_hang_detections_total") == 1.0; }))
      << "last page:\n"
      << page << "\nlauncher:\n"
      << launcher.err();
  EXPECT_EQ(launcher.wait(60s), 1) << launcher.err();
  EXPECT_NE(launcher.err().find("rank 1 is hung"), std::string::npos) << launcher.err();
}

TEST_F(RunLauncherMetricsTest, MetricsDisabledMeansNoLauncherEndpointAndNoTargets) {
  const int base = testing::free_port_range(3);
  ASSERT_GT(base, 0);
  std::ofstream(dir_ + "/launch.yaml") << "metrics:\n  enabled: false\n  port: " << base << "\n";
  BackgroundProcess launcher(
      zlaunch({"--config_file", dir_ + "/launch.yaml", "-n", "2", rank_program(), "--sleep", "2000"}), dir_);
  std::string page;
  EXPECT_FALSE(scrape_until(base + 2, page, 1500ms, [](const std::string&) { return true; })) << page;
  EXPECT_EQ(launcher.wait(60s), 0) << launcher.err();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/logs/lm1/targets.json"));
}

}  // namespace
}  // namespace zl
