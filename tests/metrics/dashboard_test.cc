// templates/grafana/zlaunch.json is a Grafana dashboard whose every query names only metrics that the
// zlaunch catalog really exports (checked against an exposition of RankMetrics and LauncherMetrics),
// and templates/prometheus.yml scrapes through the launcher's targets files.
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "subprocess.h"
#include "zl/metrics/process_sampler.h"
#include "zl/metrics/rank_metrics.h"

namespace zl::metrics {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every sample name the catalog exposes (histograms give _bucket, _sum and _count).
std::set<std::string> exported_names() {
  prometheus::Registry registry;
  RankMetrics rank(registry, RunInfo{"0", 2, 4, "gloo", "no", "cpu", "small", "r1", 0}, "cpu");
  LauncherMetrics launcher(registry);
  launcher.record_rank_process(0, 0, ProcessSample{1.0, 4096, 2}, 1024);  // per-rank series exist once sampled
  const std::string page = prometheus::TextSerializer().Serialize(registry.Collect());
  std::set<std::string> names;
  const std::regex sample("^(zlaunch_[a-z_]+)[{ ]");
  std::istringstream in(page);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, sample)) names.insert(m[1]);
  }
  return names;
}

TEST(GrafanaDashboard, IsADashboardWhosePanelsQueryOnlyExportedMetrics) {
  const auto dashboard = nlohmann::json::parse(read_file(testing::source_dir() + "/templates/grafana/zlaunch.json"));
  EXPECT_TRUE(dashboard.at("title").is_string());
  EXPECT_TRUE(dashboard.at("uid").is_string());
  EXPECT_GE(dashboard.at("schemaVersion").get<int>(), 30);
  const auto names = exported_names();
  ASSERT_GT(names.size(), 15u);
  std::set<std::string> used;
  std::set<int> ids;
  for (const auto& panel : dashboard.at("panels")) {
    EXPECT_TRUE(ids.insert(panel.at("id").get<int>()).second) << "duplicate panel id";
    for (const char* key : {"x", "y", "w", "h"}) EXPECT_TRUE(panel.at("gridPos").at(key).is_number());
    ASSERT_FALSE(panel.at("targets").empty()) << panel.at("title");
    for (const auto& target : panel.at("targets")) {
      const std::string expr = target.at("expr");
      const std::regex metric("zlaunch_[a-z_]+");
      for (std::sregex_iterator it(expr.begin(), expr.end(), metric), end; it != end; ++it) {
        EXPECT_TRUE(names.count(it->str())) << it->str() << " in panel '" << panel.at("title") << "' is not exported";
        used.insert(it->str());
      }
    }
  }
  // The panels the dashboard promises: loss, tokens, step time, comm share, busbw, memory, loss scale,
  // skipped steps, restarts, and the launcher's view of each rank's process.
  for (const char* m :
       {"zlaunch_loss", "zlaunch_tokens_total", "zlaunch_step_duration_seconds_bucket",
        "zlaunch_comm_exposed_seconds_total", "zlaunch_collective_payload_bytes_total", "zlaunch_memory_bytes",
        "zlaunch_loss_scale", "zlaunch_skipped_steps_total", "zlaunch_launcher_restarts_total",
        "zlaunch_rank_process_cpu_seconds_total", "zlaunch_rank_process_resident_bytes", "zlaunch_rank_process_threads",
        "zlaunch_rank_gpu_memory_bytes"}) {
    EXPECT_TRUE(used.count(m)) << m << " has no panel";
  }
}

TEST(PrometheusTemplate, ScrapesThroughTheLaunchersTargetsFiles) {
  const std::string yml = read_file(testing::source_dir() + "/templates/prometheus.yml");
  EXPECT_NE(yml.find("file_sd_configs"), std::string::npos);
  EXPECT_NE(yml.find("targets.json"), std::string::npos);
  const std::string promtool = "/usr/bin/promtool";
  std::ifstream probe(promtool);
  if (!probe) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  const auto result =
      testing::run_process({promtool, "check", "config", testing::source_dir() + "/templates/prometheus.yml"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

}  // namespace
}  // namespace zl::metrics
