// The report's memory section from hand-made run directories: per kind, the estimate against the
// largest and smallest rank's measured peak (table cells and bar pairs with exact byte values, the
// ratio, exact or approximate), the estimate's omissions, an estimate made for another config said so,
// and logs without peaks or without an estimate still compared as far as they go.
#include <gtest/gtest.h>

#include <regex>

#include "run_dir_fixture.h"
#include "zl/metrics/run_report.h"

namespace zl::metrics {
namespace {

using testing::count;
using testing::RunDir;
using testing::step_record;
using testing::with;

// The <tr data-kind="KIND"> of the memory table.
std::string table_row(const std::string& html, const std::string& kind) {
  const auto start = html.find("<tr data-kind=\"" + kind + "\">");
  if (start == std::string::npos) return "";
  return html.substr(start, html.find("</tr>", start) - start);
}

// Rank 0's params peak at 1200 bytes, rank 1's at 1000; the estimate says 1000 per rank.
RunDir run_with_estimate(const std::string& estimate_facts) {
  const RunDir run;
  for (int r = 0; r < 2; ++r) {
    for (int s = 1; s <= 3; ++s) {
      nlohmann::json record = step_record(s);
      record["memory_peak"]["params"] = r == 0 && s == 2 ? 1200 : 1000;
      record["memory_peak"]["total"] = r == 0 && s == 2 ? 6200 : 6000;
      run.add_step(r, record);
    }
  }
  run.write("config.resolved.json",
            R"({"launch": {"num_processes": 2}, "training": {"zero_optimization": {"stage": 2}}})");
  run.write("memory_estimate.json", R"({"model": "tiny", "parameters": 250, )" + estimate_facts +
                                        R"(, "precision": "no",
    "per_rank_bytes": {"params": 1000, "grads": 1000, "optimizer": 1000, "master": 0, "activations": 4000,
                       "buffers": 500, "total": 7500},
    "exact": ["params", "grads", "optimizer", "master"],
    "leaves_out": ["allocator rounding", "the communicator's staging buffers"]})");
  return run;
}

TEST(ReportMemory, EstimateAgainstTheMeasuredPeakPerKind) {
  const std::string html = render_run_report(run_with_estimate(R"("zero_stage": 2, "world_size": 2)").path());
  const std::string params = table_row(html, "params");
  ASSERT_FALSE(params.empty()) << html;
  // estimate, largest rank's peak, smallest rank's peak, ratio, exactness
  const std::regex cells("data-bytes=\"([0-9]+)\"");
  std::vector<std::string> bytes;
  for (std::sregex_iterator it(params.begin(), params.end(), cells), end; it != end; ++it) bytes.push_back((*it)[1]);
  EXPECT_EQ(bytes, (std::vector<std::string>{"1000", "1200", "1000"}));
  EXPECT_NE(params.find("<td class=\"ratio\">\u00d71.20</td><td>exact</td>"), std::string::npos) << params;
  const std::string activations = table_row(html, "activations");
  EXPECT_NE(activations.find("<td class=\"ratio\">\u00d70.25</td><td>approximate</td>"), std::string::npos);
  EXPECT_NE(table_row(html, "total").find("data-bytes=\"6200\""), std::string::npos);
  EXPECT_EQ(count(html, "<tr data-kind="), 7u);  // six kinds and the total
  // The bar pairs carry the same values.
  const std::string bars = testing::figure_titled(html, "Memory by kind: estimate vs measured");
  EXPECT_EQ(count(bars, "class=\"bar\""), 14u);
  EXPECT_EQ(count(bars, "data-category=\"params\" data-value=\"1000\""), 1u);
  EXPECT_EQ(count(bars, "data-series=\"measured peak (largest rank)\" data-category=\"params\" data-value=\"1200\""),
            1u);
  EXPECT_EQ(count(bars, ">\u00d71.20</text>"), 1u);
  EXPECT_EQ(count(bars, "<li class=\"legend-entry\">"), 2u);
  EXPECT_NE(html.find("<li>the communicator's staging buffers</li>"), std::string::npos);
  EXPECT_EQ(html.find("The estimate was made for"), std::string::npos);
}

TEST(ReportMemory, AnEstimateForAnotherConfigIsSaidSo) {
  const std::string html = render_run_report(run_with_estimate(R"("zero_stage": 3, "world_size": 4)").path());
  EXPECT_NE(html.find("The estimate was made for ZeRO stage 3 (the run: 2) world size 4 (the run: 2)."),
            std::string::npos);
}

TEST(ReportMemory, WithoutPeaksTheLargestCurrentBytesStandInAndThePageSaysSo) {
  const RunDir run;
  for (int s = 1; s <= 3; ++s) {
    nlohmann::json record = testing::old_step_record(s);
    record["memory"]["activations"] = 1000 * s;
    run.add_step(0, record);
  }
  const std::string html = render_run_report(run.path());
  EXPECT_NE(table_row(html, "activations").find("data-bytes=\"3000\""), std::string::npos);
  // no logged total: the sum of the kinds at the step where it is largest
  EXPECT_NE(table_row(html, "total").find("data-bytes=\"8000\""), std::string::npos);
  EXPECT_NE(html.find("The step logs hold no memory_peak"), std::string::npos);
  EXPECT_NE(html.find("memory_estimate.json is absent: nothing to compare with."), std::string::npos);
  EXPECT_EQ(html.find("<th>estimate</th>"), std::string::npos);
}

TEST(ReportMemory, LogsWithoutMemorySaySo) {
  const RunDir run;
  nlohmann::json record = step_record(1);
  record.erase("memory");
  record.erase("memory_peak");
  run.add_step(0, record);
  const std::string html = render_run_report(run.path());
  EXPECT_NE(html.find("The step logs hold no memory bytes: no memory charts."), std::string::npos);
  EXPECT_TRUE(testing::figure_titled(html, "Memory held per rank (total)").empty());
}

}  // namespace
}  // namespace zl::metrics
