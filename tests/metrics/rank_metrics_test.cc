// The zlaunch_* catalog as Prometheus sees it: served over real HTTP, counters fed running totals
// advance exactly once per unit, every series exists from the first scrape (the launcher's per-rank
// process series from the rank's first sample until it exits), and `promtool check metrics` finds
// nothing to complain about.
#include "zl/metrics/rank_metrics.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <string>

#include "subprocess.h"
#include "zl/metrics/endpoint.h"
#include "zl/metrics/process_sampler.h"

namespace zl::metrics {
namespace {

std::string scrape(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  [[maybe_unused]] auto sent = send(fd, request.data(), request.size(), 0);
  std::string response;
  char buffer[8192];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) response.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

// The value of the series whose line starts with `series` (name plus labels), or -1 when absent.
double value_of(const std::string& page, const std::string& series) {
  std::istringstream in(page);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

RunInfo sample_info() { return RunInfo{"0.1.0", 2, 4, "gloo", "no", "cpu", "small", "run-7", 3}; }

TEST(RankMetrics, CountersFedRunningTotalsAdvanceExactly) {
  Endpoint endpoint("127.0.0.1", 0);
  RankMetrics metrics(endpoint.registry(), sample_info(), "cpu");
  metrics.record_collective_totals(1, {3, 3000, 0.5});
  metrics.record_collective_totals(1, {3, 3000, 0.5});  // the same totals again: no change
  metrics.record_collective_totals(1, {5, 5000, 0.75});
  metrics.record_memory(0, 1234, 2000);
  metrics.record_step({0.02, 512, 4, 2.5, 1e-3, 0.7, 1.0});
  metrics.record_step({0.03, 512, 4, 2.4, 1e-3, 0.6, 1.0});
  metrics.record_skipped_step(0);
  const std::string page = scrape(endpoint.port());
  EXPECT_EQ(value_of(page, "zlaunch_collective_calls_total{collective=\"reduce_scatter\"}"), 5);
  EXPECT_EQ(value_of(page, "zlaunch_collective_payload_bytes_total{collective=\"reduce_scatter\"}"), 5000);
  EXPECT_EQ(value_of(page, "zlaunch_collective_seconds_total{collective=\"reduce_scatter\"}"), 0.75);
  EXPECT_EQ(value_of(page, "zlaunch_collective_calls_total{collective=\"all_gather\"}"), 0);  // exists, zero
  EXPECT_EQ(value_of(page, "zlaunch_memory_bytes{device=\"cpu\",kind=\"params\"}"), 1234);
  EXPECT_EQ(value_of(page, "zlaunch_memory_peak_bytes{device=\"cpu\",kind=\"params\"}"), 2000);
  EXPECT_EQ(value_of(page, "zlaunch_tokens_total"), 1024);
  EXPECT_EQ(value_of(page, "zlaunch_optimizer_steps_total"), 2);
  EXPECT_EQ(value_of(page, "zlaunch_loss"), 2.4);
  EXPECT_EQ(value_of(page, "zlaunch_step_duration_seconds_count"), 2);
  EXPECT_EQ(value_of(page, "zlaunch_skipped_steps_total{reason=\"fp16_overflow\"}"), 1);
  EXPECT_EQ(value_of(page, "zlaunch_skipped_steps_total{reason=\"nonfinite_gradients\"}"), 0);
  EXPECT_NE(page.find("zlaunch_run_info{"), std::string::npos) << page;
  // The process names its own run and rank, so a target listed under the wrong run shows in Prometheus.
  EXPECT_NE(page.find("rank=\"3\""), std::string::npos) << page;
  EXPECT_NE(page.find("run_id=\"run-7\""), std::string::npos) << page;
}

TEST(LauncherMetrics, RankProcessSeriesAreLabelledByRankAndGoWhenTheRankDoes) {
  Endpoint endpoint("127.0.0.1", 0);
  LauncherMetrics launcher(endpoint.registry());
  const std::string rank0 = "{local_rank=\"0\",rank=\"0\"}";
  const std::string rank5 = "{local_rank=\"1\",rank=\"5\"}";
  EXPECT_EQ(scrape(endpoint.port()).find("zlaunch_rank_"), std::string::npos) << "no rank sampled yet: no series";

  launcher.record_rank_process(0, 0, ProcessSample{1.5, 4096, 3}, std::nullopt);
  launcher.record_rank_process(0, 0, ProcessSample{2.25, 8192, 4}, std::nullopt);
  launcher.record_rank_process(5, 1, ProcessSample{0.5, 1024, 1}, 3u << 20);
  std::string page = scrape(endpoint.port());
  EXPECT_EQ(value_of(page, "zlaunch_rank_process_cpu_seconds_total" + rank0), 2.25) << page;
  EXPECT_EQ(value_of(page, "zlaunch_rank_process_resident_bytes" + rank0), 8192) << page;
  EXPECT_EQ(value_of(page, "zlaunch_rank_process_threads" + rank0), 4) << page;
  EXPECT_EQ(value_of(page, "zlaunch_rank_gpu_memory_bytes" + rank0), -1) << "no GPU reading, no series";
  EXPECT_EQ(value_of(page, "zlaunch_rank_process_cpu_seconds_total" + rank5), 0.5) << page;
  EXPECT_EQ(value_of(page, "zlaunch_rank_gpu_memory_bytes" + rank5), 3 << 20) << page;

  launcher.remove_rank_process(0);
  launcher.remove_rank_process(7);  // never sampled: nothing to remove
  page = scrape(endpoint.port());
  EXPECT_EQ(page.find(rank0), std::string::npos) << "the exited rank's series are gone:\n" << page;
  EXPECT_EQ(value_of(page, "zlaunch_rank_process_threads" + rank5), 1) << page;

  // A restarted rank starts new series: its CPU counter counts the new process from 0.
  launcher.record_rank_process(0, 0, ProcessSample{0.75, 2048, 2}, std::nullopt);
  page = scrape(endpoint.port());
  EXPECT_EQ(value_of(page, "zlaunch_rank_process_cpu_seconds_total" + rank0), 0.75) << page;
}

TEST(RankMetrics, PromtoolFindsTheExpositionClean) {
  const std::string promtool = "/usr/bin/promtool";
  if (access(promtool.c_str(), X_OK) != 0) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  Endpoint endpoint("127.0.0.1", 0);
  RankMetrics metrics(endpoint.registry(), sample_info(), "cpu");
  LauncherMetrics launcher(endpoint.registry());
  launcher.set_ranks_alive(4);
  launcher.record_rank_process(0, 0, ProcessSample{1.5, 4096, 3}, 1u << 20);
  metrics.record_step({0.02, 512, 4, 2.5, 1e-3, 0.7, 1.0});
  const std::string dir = zl::testing::make_temp_dir("zl_promtool_");
  const std::string path = dir + "/page.txt";
  std::ofstream(path) << scrape(endpoint.port());
  zl::testing::ProcessOptions options;
  options.stdin_text = std::string();
  const auto result = zl::testing::run_process({"sh", "-c", promtool + " check metrics < " + path}, options);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.out + result.err, "") << "promtool reported problems";
}

}  // namespace
}  // namespace zl::metrics
