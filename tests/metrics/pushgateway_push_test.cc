// The Pushgateway option as a user runs it: Debian's prometheus-pushgateway on a free loopback port, a
// short 2-rank `zlaunch run --metrics_pushgateway URL train`, then the gateway's own /metrics read back:
// every rank pushed its final values once at exit under job="zlaunch" grouped by {run_id, rank}
// (tokens, steps, memory by kind, collective payload), and the launcher pushed its own series under
// role="launcher". A second run with metrics.enabled false (no /metrics served) still pushes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "http_client.h"
#include "subprocess.h"

namespace zl {
namespace {

constexpr const char* kPushgateway = "/usr/bin/prometheus-pushgateway";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
constexpr int kSteps = 12;

class PushgatewayServer {
 public:
  PushgatewayServer(int port, const std::string& log) : port_(port) {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port);
      freopen("/dev/null", "w", stdout);
      freopen(log.c_str(), "w", stderr);
      execl(kPushgateway, kPushgateway, listen.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~PushgatewayServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  bool wait_ready() const {
    for (int i = 0; i < 100; ++i) {
      if (testing::http_get(port_, "/-/ready").status == 200) return true;
      usleep(100000);
    }
    return false;
  }
  std::string metrics() const { return testing::http_get(port_, "/metrics").body; }

 private:
  pid_t pid_;
  int port_;
};

// The value of `name{...}` on a Prometheus text page whose labels include every one of `labels`
// (each written as key="value"), or -1 when no such series is there.
double value_of(const std::string& page, const std::string& name, const std::vector<std::string>& labels) {
  const std::regex line("(^|\n)" + name + "\\{([^}]*)\\} ([^\n]+)");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), line); it != std::sregex_iterator(); ++it) {
    const std::string have = (*it)[2].str();
    bool all = true;
    for (const auto& l : labels) all = all && have.find(l) != std::string::npos;
    if (all) return std::stod((*it)[3].str());
  }
  return -1.0;
}

class PushgatewayPushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kPushgateway, X_OK) != 0) {
      GTEST_SKIP() << "Debian's prometheus-pushgateway is not installed (scripts/install-deps.sh installs it)";
    }
  }
  std::string work_ = testing::make_temp_dir("zl_pushgateway_");
  void TearDown() override { std::filesystem::remove_all(work_); }

  testing::ProcessResult train(const std::string& url, const std::string& run_id, const std::string& yaml) const {
    std::ofstream(work_ + "/" + run_id + ".yaml") << yaml;
    testing::ProcessOptions options;
    options.timeout = std::chrono::minutes(3);
    options.working_directory = work_;
    options.set_env = {{"HOME", work_}};
    return testing::run_process(
        {testing::zlaunch_binary(), "run", "-n", "2", "--config_file", work_ + "/" + run_id + ".yaml",
         "--metrics_pushgateway", url, "--log_dir", work_ + "/logs", "--run_id", run_id, testing::train_binary(),
         "--model", "tiny", "--steps", std::to_string(kSteps)},
        options);
  }
};

TEST_F(PushgatewayPushTest, EveryRankAndTheLauncherPushTheirFinalValues) {
  const int port = testing::free_port_range(1);
  ASSERT_GT(port, 0);
  PushgatewayServer gateway(port, work_ + "/pushgateway.log");
  ASSERT_TRUE(gateway.wait_ready()) << read_file(work_ + "/pushgateway.log");
  const std::string url = "http://127.0.0.1:" + std::to_string(port);

  const auto run = train(url, "push1", "metrics:\n  port: 0\n");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.err.find("not pushed"), std::string::npos) << run.err;

  const std::string page = gateway.metrics();
  double tokens_per_rank = -1;
  for (const char* rank : {"0", "1"}) {
    const std::vector<std::string> group = {"job=\"zlaunch\"", "run_id=\"push1\"",
                                            std::string("rank=\"") + rank + "\""};
    EXPECT_EQ(value_of(page, "zlaunch_optimizer_steps_total", group), kSteps) << "rank " << rank << "\n" << page;
    const double tokens = value_of(page, "zlaunch_tokens_total", group);
    EXPECT_GT(tokens, 0.0) << "rank " << rank;
    if (tokens_per_rank < 0) tokens_per_rank = tokens;
    EXPECT_EQ(tokens, tokens_per_rank) << "ranks process equal shares of the global batch";
    EXPECT_GT(value_of(page, "zlaunch_samples_total", group), 0.0) << "rank " << rank;
    EXPECT_GT(value_of(page, "zlaunch_loss", group), 0.0) << "rank " << rank;
    auto params = group;
    params.push_back("kind=\"params\"");
    EXPECT_GT(value_of(page, "zlaunch_memory_bytes", params), 0.0) << "rank " << rank;
    auto gather = group;
    gather.push_back("collective=\"all_gather\"");
    EXPECT_GT(value_of(page, "zlaunch_collective_payload_bytes_total", gather), 0.0) << "rank " << rank;
    EXPECT_EQ(value_of(page, "zlaunch_step_duration_seconds_count", group), kSteps) << "rank " << rank;
  }
  const std::vector<std::string> launcher = {"job=\"zlaunch\"", "run_id=\"push1\"", "node=\"0\"", "role=\"launcher\""};
  EXPECT_EQ(value_of(page, "zlaunch_launcher_restarts_total", launcher), 0.0) << page;
  EXPECT_EQ(value_of(page, "zlaunch_launcher_ranks_alive", launcher), 0.0) << "pushed after the ranks exited";
  // The gateway records each group's last successful push.
  EXPECT_GT(value_of(page, "push_time_seconds", {"run_id=\"push1\"", "rank=\"1\""}), 0.0) << page;
}

TEST_F(PushgatewayPushTest, RanksPushEvenWithMetricsServingDisabled) {
  const int port = testing::free_port_range(1);
  ASSERT_GT(port, 0);
  PushgatewayServer gateway(port, work_ + "/pushgateway.log");
  ASSERT_TRUE(gateway.wait_ready()) << read_file(work_ + "/pushgateway.log");
  const auto run = train("127.0.0.1:" + std::to_string(port), "push2", "metrics:\n  enabled: false\n");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const std::string page = gateway.metrics();
  for (const char* rank : {"0", "1"}) {
    EXPECT_EQ(
        value_of(page, "zlaunch_optimizer_steps_total", {"run_id=\"push2\"", std::string("rank=\"") + rank + "\""}),
        kSteps)
        << page;
  }
}

}  // namespace
}  // namespace zl
