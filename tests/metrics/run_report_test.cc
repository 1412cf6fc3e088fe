// The HTML run report from logged steps: every chart present with one polyline per series and one
// point per logged step, the estimate drawn dashed, self-contained (no script, no external resource),
// and clear errors for a wrong directory or a malformed log line (naming file and line).
#include "zl/metrics/run_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "subprocess.h"
#include "zl/base/error.h"

namespace zl::metrics {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

std::string make_run(int ranks, int steps) {
  const std::string dir = zl::testing::make_temp_dir("zl_report_");
  std::filesystem::create_directories(dir + "/steps");
  for (int r = 0; r < ranks; ++r) {
    std::ofstream out(dir + "/steps/rank_" + std::to_string(r) + ".jsonl");
    for (int s = 1; s <= steps; ++s) {
      out << R"({"step": )" << s << R"(, "loss": )" << 3.0 / s << R"(, "tokens": 4096, "seconds": )" << 0.05 + 0.01 * r
          << R"(, "memory": {"params": 1000, "grads": 500, "optimizer": 2000},)"
          << R"( "comm": {"all_gather": {"calls": )" << s << R"(, "bytes": 100, "seconds": )" << 0.01 * s
          << R"(}, "reduce_scatter": {"calls": )" << s << R"(, "bytes": 100, "seconds": )" << 0.02 * s << "}}}\n";
    }
  }
  std::ofstream(dir + "/memory_estimate.json") << R"({"params": 1000, "grads": 500, "optimizer": 2000})";
  return dir;
}

TEST(RunReport, EveryChartWithOnePointPerStepAndTheEstimateDashed) {
  const std::string html = render_run_report(make_run(2, 7));
  EXPECT_EQ(count(html, "<svg"), 5u);
  EXPECT_EQ(count(html, "</svg>"), 5u);
  EXPECT_EQ(count(html, "<script"), 0u);
  EXPECT_EQ(count(html, "http://") + count(html, "https://"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  // loss 1 + tokens/s 2 + step time 2 + memory 2 ranks x 3 kinds + 3 estimates + comm 2 = 16 series
  EXPECT_EQ(count(html, "class=\"series\""), 16u);
  EXPECT_EQ(count(html, "stroke-dasharray=\"6 4\""), 3u);
  const std::regex polyline("class=\"series\"[^>]*points=\"([^\"]*)\"");
  std::size_t with_all_steps = 0;
  for (std::sregex_iterator it(html.begin(), html.end(), polyline), end; it != end; ++it) {
    const std::string points = (*it)[1];
    if (count(points, ",") == 7) ++with_all_steps;
  }
  EXPECT_EQ(with_all_steps, 13u);  // every measured series; the 3 estimates are 2-point lines
  for (const char* text : {"Loss", "Tokens per second", "Step time", "Memory by kind", "Communication time",
                           "rank 1 optimizer", "reduce_scatter", "estimate params"}) {
    EXPECT_NE(html.find(text), std::string::npos) << text;
  }
}

TEST(RunReport, MissingDirectoryNamesItAndSaysWhatToPass) {
  try {
    render_run_report("/nonexistent/run");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/run/steps"), std::string::npos) << e.what();
  }
}

TEST(RunReport, MalformedLineIsAConfigErrorNamingFileAndLine) {
  const std::string dir = make_run(1, 3);
  std::ofstream(dir + "/steps/rank_0.jsonl", std::ios::app) << "{not json\n";
  try {
    render_run_report(dir);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("rank_0.jsonl:4"), std::string::npos) << e.what();
  }
}

TEST(RunReport, TheCommandWritesThePage) {
  const std::string dir = make_run(1, 3);
  const auto result = zl::testing::run_process({zl::testing::zlaunch_binary(), "report", dir});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::filesystem::exists(dir + "/report.html"));
  const auto missing = zl::testing::run_process({zl::testing::zlaunch_binary(), "report", "/nonexistent/run"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
}

}  // namespace
}  // namespace zl::metrics
