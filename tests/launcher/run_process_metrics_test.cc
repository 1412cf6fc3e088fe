// The launcher's per-rank process series under `zlaunch run`, for a program that knows nothing of
// zlaunch (a shell loop): scraped over HTTP from the launcher's /metrics (metrics.port + processes
// per machine), each rank has CPU, resident memory and thread series labelled with its rank and
// local rank; a GPU memory series exactly where NVML is usable; and a rank's series go when it exits
// while the other rank's stay. Each rank waits for a file the test creates, so which ranks are
// alive at each scrape is decided by the test, not by timing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "http_client.h"
#include "launch_support.h"
#include "subprocess.h"
#include "zl/metrics/nvml_gpu_memory.h"

namespace zl {
namespace {

using namespace std::chrono_literals;
using testing::BackgroundProcess;
using testing::scrape_until;

// The value of name{local_rank="L",rank="R"} on a Prometheus text page (prometheus-cpp writes labels
// in name order), or -1 when the series is absent.
double rank_value(const std::string& page, const std::string& name, int rank, int local_rank) {
  const std::string series =
      name + "{local_rank=\"" + std::to_string(local_rank) + "\",rank=\"" + std::to_string(rank) + "\"} ";
  const auto at = page.find("\n" + series);
  return at == std::string::npos ? -1.0 : std::stod(page.substr(at + 1 + series.size()));
}

class RunProcessMetricsTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::make_temp_dir("zl_run_pmetrics_");
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void release(int rank) const { std::ofstream(dir_ + "/release_" + std::to_string(rank)) << "go\n"; }
};

TEST_F(RunProcessMetricsTest, EveryRankOfAnyProgramHasProcessSeriesUntilItExits) {
  const int base = testing::free_port_range(3);  // ranks 0, 1 (unused by sh) and the launcher
  ASSERT_GT(base, 0);
  const int launcher_port = base + 2;
  // Each rank is one sh process (one thread) that waits for release_<RANK>.
  const std::string wait_for_release = "while [ ! -e " + dir_ + "/release_$RANK ]; do sleep 0.1; done";
  BackgroundProcess launcher(
      testing::zlaunch_run_argv(dir_, {"-n", "2", "--metrics_port", std::to_string(base), "sh", "-c", wait_for_release},
                                "pm1"),
      dir_);

  std::string page;
  const bool both_sampled = scrape_until(launcher_port, page, 30s, [](const std::string& p) {
    return rank_value(p, "zlaunch_rank_process_threads", 0, 0) > 0 &&
           rank_value(p, "zlaunch_rank_process_threads", 1, 1) > 0;
  });
  ASSERT_TRUE(both_sampled) << "last page:\n" << page << "\nlauncher:\n" << launcher.err();
  const metrics::NvmlGpuMemory nvml;  // what the launcher sees on this machine too
  for (const int rank : {0, 1}) {
    EXPECT_EQ(rank_value(page, "zlaunch_rank_process_threads", rank, rank), 1.0) << page;
    EXPECT_GT(rank_value(page, "zlaunch_rank_process_resident_bytes", rank, rank), 0.0) << page;
    EXPECT_GE(rank_value(page, "zlaunch_rank_process_cpu_seconds_total", rank, rank), 0.0) << page;
    // sh has no CUDA context: 0 where NVML answers, and no series at all where it does not.
    EXPECT_EQ(rank_value(page, "zlaunch_rank_gpu_memory_bytes", rank, rank), nvml.available() ? 0.0 : -1.0)
        << page << "\nNVML: " << nvml.unavailable_reason();
  }

  release(1);
  const bool rank1_gone = scrape_until(launcher_port, page, 30s, [](const std::string& p) {
    return rank_value(p, "zlaunch_rank_process_threads", 1, 1) < 0;
  });
  EXPECT_TRUE(rank1_gone) << "rank 1 exited, its series stay:\n" << page;
  EXPECT_EQ(page.find("rank=\"1\""), std::string::npos) << "no series of rank 1 is left:\n" << page;
  EXPECT_EQ(rank_value(page, "zlaunch_rank_process_threads", 0, 0), 1.0) << "rank 0 still runs:\n" << page;
  EXPECT_GT(rank_value(page, "zlaunch_rank_process_resident_bytes", 0, 0), 0.0) << page;

  release(0);
  EXPECT_EQ(launcher.wait(60s), 0) << launcher.err();
}

}  // namespace
}  // namespace zl
