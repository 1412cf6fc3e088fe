// The HTML run report's charts from hand-made run directories: one legend entry and colour per rank,
// a min-max band with the median past eight ranks, a restart marker where each attempt begins on every
// step chart, a step trained twice drawn once per attempt (never a line back to an earlier step), old
// step logs still rendered, charts without their values left out with a note, a page without scripts
// whose charts scale with the window, and clear errors for a wrong directory or a malformed line.
#include "zl/metrics/run_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "run_dir_fixture.h"
#include "subprocess.h"
#include "zl/base/error.h"

namespace zl::metrics {
namespace {

using testing::count;
using testing::figure_titled;
using testing::RunDir;
using testing::step_record;
using testing::with;

// The x coordinates of every <polyline> of a series, one vector per polyline.
std::vector<std::vector<double>> polylines_of(const std::string& html, const std::string& series) {
  std::vector<std::vector<double>> out;
  const std::regex polyline("<polyline class=\"series\" data-series=\"" + series + "\"[^>]*points=\"([^\"]*)\"");
  for (std::sregex_iterator it(html.begin(), html.end(), polyline), end; it != end; ++it) {
    std::vector<double> xs;
    const std::string points = (*it)[1];
    const std::regex xy("([-0-9.]+),[-0-9.]+");
    for (std::sregex_iterator p(points.begin(), points.end(), xy); p != end; ++p) xs.push_back(std::stod((*p)[1]));
    out.push_back(xs);
  }
  return out;
}

std::string colour_of(const std::string& figure, const std::string& series) {
  std::smatch m;
  const std::regex stroke("data-series=\"" + series + "\" fill=\"none\" stroke=\"([^\"]+)\"");
  return std::regex_search(figure, m, stroke) ? m[1].str() : "";
}

TEST(RunReport, EachRankIsOneLegendEntryWithItsOwnColour) {
  const RunDir run;
  for (int r = 0; r < 3; ++r) {
    for (int s = 1; s <= 5; ++s) run.add_step(r, with(step_record(s), {{"seconds", 0.5 + 0.1 * r}}));
  }
  const std::string figure = figure_titled(render_run_report(run.path()), "Tokens per second per rank");
  ASSERT_FALSE(figure.empty());
  std::set<std::string> colours;
  for (int r = 0; r < 3; ++r) {
    const std::string name = "rank " + std::to_string(r);
    EXPECT_EQ(count(figure, "<li class=\"legend-entry\">"), 3u);
    EXPECT_EQ(count(figure, "</svg>" + name + "</li>"), 1u) << name;
    ASSERT_EQ(polylines_of(figure, name).size(), 1u) << name;
    EXPECT_EQ(polylines_of(figure, name).front().size(), 5u) << name;
    colours.insert(colour_of(figure, name));
  }
  EXPECT_EQ(colours.size(), 3u);
  EXPECT_EQ(count(figure, "class=\"band\""), 0u);
}

TEST(RunReport, RanksWithEqualValuesAreOneLineSaidSo) {
  for (const int ranks : {2, 9}) {  // lines, and what would be a band of no width
    const RunDir run;
    for (int r = 0; r < ranks; ++r) {
      for (int s = 1; s <= 4; ++s) run.add_step(r, step_record(s));
    }
    const std::string figure = figure_titled(render_run_report(run.path()), "Memory held per rank (total)");
    EXPECT_EQ(count(figure, "class=\"series\""), 1u);
    EXPECT_EQ(count(figure, "class=\"band\""), 0u);
    EXPECT_NE(figure.find("every rank (" + std::to_string(ranks) + ", equal values)"), std::string::npos);
  }
}

TEST(RunReport, MoreThanEightRanksAreABandWithTheMedian) {
  for (const int ranks : {8, 9}) {
    const RunDir run;
    for (int r = 0; r < ranks; ++r) {
      // rank 5 is the straggler: twice the step time, half the tokens/s
      for (int s = 1; s <= 4; ++s) run.add_step(r, with(step_record(s), {{"seconds", r == 5 ? 1.0 : 0.5 + 0.01 * r}}));
    }
    const std::string figure = figure_titled(render_run_report(run.path()), "Tokens per second per rank");
    if (ranks == 8) {
      EXPECT_EQ(count(figure, "class=\"band\""), 0u);
      EXPECT_EQ(count(figure, "<li class=\"legend-entry\">"), 8u);
      continue;
    }
    EXPECT_EQ(count(figure, "class=\"band\""), 1u);
    EXPECT_EQ(count(figure, "data-series=\"rank "), 0u);
    EXPECT_EQ(count(figure, "</svg>9 ranks: median</li>"), 1u);
    EXPECT_EQ(count(figure, "</svg>9 ranks: min\u2013max</li>"), 1u);
    ASSERT_EQ(polylines_of(figure, "9 ranks: median").size(), 1u);
    EXPECT_EQ(polylines_of(figure, "9 ranks: median").front().size(), 4u);
    EXPECT_NE(figure.find("lowest rank 5 (1.02k)"), std::string::npos) << figure;
  }
}

TEST(RunReport, EveryStepChartMarksWhereEachAttemptBegins) {
  const RunDir run;
  for (int r = 0; r < 2; ++r) {
    for (int s = 1; s <= 8; ++s) run.add_step(r, step_record(s, 0));
    for (int s = 6; s <= 10; ++s) run.add_step(r, step_record(s, 1));
    for (int s = 9; s <= 12; ++s) run.add_step(r, step_record(s, 2));
  }
  const std::string html = render_run_report(run.path());
  std::size_t step_charts = 0;
  for (auto start = html.find("<figure"); start != std::string::npos; start = html.find("<figure", start + 1)) {
    const std::string figure = html.substr(start, html.find("</figure>", start) - start);
    if (figure.find(">optimizer step</text>") == std::string::npos) continue;
    ++step_charts;
    EXPECT_EQ(count(figure, "class=\"marker\""), 2u) << figure;
    EXPECT_EQ(count(figure, "class=\"marker\" data-x=\"6\""), 1u);
    EXPECT_EQ(count(figure, "class=\"marker\" data-x=\"9\""), 1u);
    EXPECT_EQ(count(figure, ">attempt 1</text>") + count(figure, ">attempt 2</text>"), 2u);
  }
  // loss, tokens/s, step time, gradient norm, learning rate, communication, memory over steps
  EXPECT_EQ(step_charts, 7u);
  EXPECT_EQ(count(html, "class=\"marker\""), 2 * step_charts);
}

TEST(RunReport, AStepTrainedTwiceIsDrawnOncePerAttemptNeverJoined) {
  const RunDir run;
  for (int r = 0; r < 2; ++r) {
    for (int s = 1; s <= 8; ++s) run.add_step(r, with(step_record(s, 0), {{"seconds", 0.5 + 0.1 * r}}));
    for (int s = 6; s <= 10; ++s) run.add_step(r, with(step_record(s, 1), {{"seconds", 0.5 + 0.1 * r}, {"loss", 1.0}}));
  }
  const std::string html = render_run_report(run.path());
  const std::string loss = figure_titled(html, "Loss (rank 0)");
  const auto first = polylines_of(loss, "training loss, attempt 0");
  const auto second = polylines_of(loss, "training loss, attempt 1");
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first.front().size(), 8u);
  EXPECT_EQ(second.front().size(), 5u);
  EXPECT_LT(second.front().front(), first.front().back());  // steps 6..8 are in both
  EXPECT_NE(colour_of(loss, "training loss, attempt 0"), colour_of(loss, "training loss, attempt 1"));
  // Per-rank charts keep one legend entry per rank and split its line at the restart.
  const std::string step_time = figure_titled(html, "Step time per rank");
  EXPECT_EQ(polylines_of(step_time, "rank 1").size(), 2u);
  EXPECT_EQ(count(step_time, "</svg>rank 1</li>"), 1u);
  // Nowhere does a line go back to an earlier step.
  const std::regex polyline("points=\"([^\"]*)\"");
  std::size_t lines = 0;
  for (std::sregex_iterator it(html.begin(), html.end(), polyline), end; it != end; ++it, ++lines) {
    const std::string points = (*it)[1];
    const std::regex xy("([-0-9.]+),[-0-9.]+");
    double previous = -1;
    for (std::sregex_iterator p(points.begin(), points.end(), xy); p != end; ++p) {
      const double x = std::stod((*p)[1]);
      EXPECT_GT(x, previous) << points;
      previous = x;
    }
  }
  EXPECT_GT(lines, 10u);
}

TEST(RunReport, OldStepLogsStillRenderWithNotesForWhatTheyLack) {
  const RunDir run;
  for (int r = 0; r < 2; ++r) {
    for (int s = 1; s <= 5; ++s) run.add_step(r, testing::old_step_record(s));
  }
  const std::string html = render_run_report(run.path());
  for (const char* title : {"Loss (rank 0)", "Tokens per second per rank", "Step time per rank",
                            "Memory by kind: measured", "Memory held per rank (total)"}) {
    EXPECT_FALSE(figure_titled(html, title).empty()) << title;
  }
  EXPECT_EQ(count(html, "class=\"marker\""), 0u);
  EXPECT_EQ(polylines_of(figure_titled(html, "Loss (rank 0)"), "training loss").size(), 1u);
  // "tokens" was the rank's 1024: the run's tokens/s counts both ranks' (2 x 1024 / 0.5 s).
  EXPECT_NE(testing::summary_value(html, "tokens-per-second").find("4.1k"), std::string::npos);
  for (const char* note : {"The step logs hold no memory_peak", "attempts.jsonl is absent",
                           "memory_estimate.json is absent", "config.resolved.json is absent"}) {
    EXPECT_NE(html.find(note), std::string::npos) << note;
  }
}

TEST(RunReport, AChartWithoutItsValuesIsLeftOutWithANote) {
  const RunDir run;
  for (int s = 1; s <= 3; ++s) {
    nlohmann::json record = step_record(s);
    record.erase("grad_norm");
    run.add_step(0, record);
  }
  const std::string html = render_run_report(run.path());
  EXPECT_TRUE(figure_titled(html, "Gradient norm before clipping (rank 0)").empty());
  EXPECT_NE(html.find("Not in the step logs, so not drawn: gradient norm (no &quot;grad_norm&quot;)."),
            std::string::npos);
  EXPECT_EQ(count(html, "no data"), 0u);
}

TEST(RunReport, ASelfContainedPageWhoseChartsScaleWithTheWindow) {
  const RunDir run;
  for (int s = 1; s <= 3; ++s) run.add_step(0, step_record(s));
  const std::string html = render_run_report(run.path());
  const std::size_t charts = count(html, "<figure class=\"chart\">");
  EXPECT_EQ(charts, 8u);  // 6 over steps + 2 of memory
  EXPECT_EQ(count(html, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 640 "), charts);
  EXPECT_EQ(count(html, "<script"), 0u);
  EXPECT_EQ(count(html, "http://") + count(html, "https://"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  for (const char* axis :
       {">optimizer step</text>", ">loss (nats/token)</text>", ">seconds per step</text>", ">bytes per rank</text>"}) {
    EXPECT_NE(html.find(axis), std::string::npos) << axis;
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
  const RunDir run;
  for (int s = 1; s <= 3; ++s) run.add_step(0, step_record(s));
  run.append_line("steps/rank_0.jsonl", "{not json");
  try {
    render_run_report(run.path());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("rank_0.jsonl:4"), std::string::npos) << e.what();
  }
}

TEST(RunReport, TheCommandWritesThePage) {
  const RunDir run;
  for (int s = 1; s <= 3; ++s) run.add_step(0, step_record(s));
  const auto result = zl::testing::run_process({zl::testing::zlaunch_binary(), "report", run.path()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::filesystem::exists(run.path() + "/report.html"));
  const auto missing = zl::testing::run_process({zl::testing::zlaunch_binary(), "report", "/nonexistent/run"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
}

}  // namespace
}  // namespace zl::metrics
