// The whole metrics path as a user runs it: Debian's Prometheus server on loopback with
// templates/prometheus.yml (scrape interval shortened to 1 s), a 4-rank `zlaunch run train` whose
// launcher writes the file_sd targets, and Prometheus' HTTP API queried afterwards:
//   - every rank's series are there, labelled by the targets file (job, run_id, node, rank);
//   - payload bytes per optimizer step equal the engine's theory for stage 2 (reduce_scatter and
//     all_gather of the padded parameters, 4 bytes each);
//   - memory by kind (params, grads, optimizer, master, buffers) equals what each rank's allocator
//     logged, and the model-state kinds are the same on every rank (an even partition);
//   - the launcher's own target (role="launcher", port metrics.port + 4) was scraped with 4 ranks alive;
//   - the tokens rate was positive; and promtool finds a page scraped during the run clean, for a rank
//     and for the launcher.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "http_client.h"
#include "prometheus_server.h"
#include "subprocess.h"
#include "zl/config/model_spec.h"

namespace zl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::kPrometheus;
using testing::kPromtool;
using testing::PrometheusServer;
using testing::read_file;
using testing::value_of;

TEST(PrometheusScrape, FourRankTrainingIsScrapedWithExactCommunicationAndMemory) {
  if (access(kPrometheus, X_OK) != 0)
    GTEST_SKIP() << "Debian's prometheus is not installed (scripts/install-deps.sh installs it)";
  const std::string work = testing::make_temp_dir("zl_prometheus_");
  std::ofstream(work + "/prometheus.yml") << testing::fast_prometheus_config(testing::source_dir());

  const int metrics_port = testing::free_port_range(5);  // 4 ranks, then the launcher
  const int prometheus_port = testing::free_port_range(1);
  ASSERT_GT(metrics_port, 0);
  PrometheusServer prometheus(work + "/prometheus.yml", work + "/tsdb", prometheus_port);
  ASSERT_TRUE(prometheus.wait_ready()) << read_file(work + "/tsdb.log");

  // The template's glob, zlaunch_logs/targets/*.json next to prometheus.yml, sees the run.
  std::ofstream(work + "/launch.yaml") << "metrics:\n  port: " << metrics_port << "\n";
  std::string scraped_page, launcher_page;
  std::thread scraper([&] {  // one page of rank 0 and one of the launcher while the run is on, for promtool
    for (int i = 0; i < 300 && (scraped_page.empty() || launcher_page.empty()); ++i) {
      const auto r = testing::http_get(metrics_port, "/metrics");
      if (r.status == 200 && r.body.find("zlaunch_optimizer_steps_total") != std::string::npos) scraped_page = r.body;
      const auto l = testing::http_get(metrics_port + 4, "/metrics");
      if (l.status == 200 && l.body.find("zlaunch_launcher_ranks_alive 4") != std::string::npos) launcher_page = l.body;
      usleep(100000);
    }
  });
  testing::ProcessOptions options;
  options.timeout = std::chrono::minutes(4);
  const auto run = testing::run_process(
      {testing::zlaunch_binary(), "run", "--num_processes", "4", "--config_file", work + "/launch.yaml", "--log_dir",
       work + "/zlaunch_logs", "--run_id", "promtest", "train", "--model", "tiny", "--steps", ZL_PROMETHEUS_TEST_STEPS},
      options);
  scraper.join();
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  sleep(2);  // let the last scrapes land

  const std::string sel = "{job=\"zlaunch\",run_id=\"promtest\"}";
  const json steps = prometheus.query("last_over_time(zlaunch_optimizer_steps_total" + sel + "[10m])");
  ASSERT_EQ(steps.size(), 4u) << steps.dump();
  std::set<std::string> ranks;
  for (const auto& s : steps) ranks.insert(s["metric"]["rank"].get<std::string>());
  EXPECT_EQ(ranks, (std::set<std::string>{"0", "1", "2", "3"}));

  // Stage 2 (the trainer's default), 4 ranks: per step, reduce_scatter and all_gather each move the
  // padded parameters once.
  const auto spec = config::parse_model_spec("tiny", "model");
  std::int64_t padded = 0;
  for (const auto p : spec.layer_parameter_counts()) padded += (p + 3) / 4 * 4;
  for (const char* collective : {"reduce_scatter", "all_gather"}) {
    const json per_step = prometheus.query("last_over_time(zlaunch_collective_payload_bytes_total{collective=\"" +
                                           std::string(collective) +
                                           "\",run_id=\"promtest\"}[10m]) / on(rank) "
                                           "last_over_time(zlaunch_optimizer_steps_total" +
                                           sel + "[10m])");
    ASSERT_EQ(per_step.size(), 4u) << collective << per_step.dump();
    for (const auto& s : per_step) EXPECT_EQ(value_of(s), 4.0 * static_cast<double>(padded)) << collective << s.dump();
  }

  // Memory by kind equals what each rank's allocator wrote in its step log.
  for (int r = 0; r < 4; ++r) {
    std::ifstream log(work + "/zlaunch_logs/promtest/steps/rank_" + std::to_string(r) + ".jsonl");
    std::string line, last;
    while (std::getline(log, line)) last = line;
    ASSERT_FALSE(last.empty()) << "rank " << r << " wrote no step log";
    const json logged = json::parse(last)["memory"];
    for (const char* kind : {"params", "grads", "optimizer", "master", "buffers"}) {
      const json m = prometheus.query("last_over_time(zlaunch_memory_bytes{kind=\"" + std::string(kind) +
                                      "\",run_id=\"promtest\",rank=\"" + std::to_string(r) + "\"}[10m])");
      ASSERT_EQ(m.size(), 1u) << kind << m.dump();
      EXPECT_EQ(value_of(m[0]), logged[kind].get<double>()) << "rank " << r << " " << kind;
    }
  }

  // An even partition: every rank holds the same model-state bytes of each kind.
  for (const char* kind : {"params", "grads", "optimizer", "master"}) {
    const json spread =
        prometheus.query("max(last_over_time(zlaunch_memory_bytes{kind=\"" + std::string(kind) +
                         "\",run_id=\"promtest\"}[10m])) - min(last_over_time(zlaunch_memory_bytes{kind=\"" + kind +
                         "\",run_id=\"promtest\"}[10m]))");
    ASSERT_EQ(spread.size(), 1u) << kind << spread.dump();
    EXPECT_EQ(value_of(spread[0]), 0.0) << kind;
  }

  // The launcher's target, labelled by the targets file, was scraped while the 4 ranks ran.
  const json alive = prometheus.query(
      "max_over_time(zlaunch_launcher_ranks_alive{job=\"zlaunch\",run_id=\"promtest\","
      "node=\"0\",role=\"launcher\"}[10m])");
  ASSERT_EQ(alive.size(), 1u) << alive.dump();
  EXPECT_EQ(value_of(alive[0]), 4.0);
  const json restarts = prometheus.query("last_over_time(zlaunch_launcher_restarts_total{run_id=\"promtest\"}[10m])");
  ASSERT_EQ(restarts.size(), 1u) << restarts.dump();
  EXPECT_EQ(value_of(restarts[0]), 0.0);

  const json rate = prometheus.query("max(max_over_time(rate(zlaunch_tokens_total" + sel + "[3s])[10m:1s]))");
  ASSERT_EQ(rate.size(), 1u) << rate.dump();
  EXPECT_GT(value_of(rate[0]), 0.0);

  ASSERT_FALSE(scraped_page.empty()) << "no page scraped from rank 0 during the run";
  ASSERT_FALSE(launcher_page.empty()) << "no page scraped from the launcher during the run";
  if (access(kPromtool, X_OK) == 0) {
    for (const auto& [name, page] : {std::pair{"rank", scraped_page}, std::pair{"launcher", launcher_page}}) {
      std::ofstream(work + "/page.txt") << page;
      const auto lint =
          testing::run_process({"sh", "-c", std::string(kPromtool) + " check metrics < " + work + "/page.txt"});
      EXPECT_EQ(lint.exit_code, 0) << name << lint.out << lint.err;
      EXPECT_EQ(lint.out + lint.err, "") << name;
    }
  }
}

}  // namespace
}  // namespace zl
