// The report's summary block from a hand-made run directory: config facts from config.resolved.json,
// the final losses and task score (validation and task from rank 0's console, the last attempt that
// printed them winning), wall time from attempts.jsonl, tokens/s from the step logs, each failed
// attempt's root cause, skipped steps by reason; and "unknown (why)" for what no input says.
#include <gtest/gtest.h>

#include "run_dir_fixture.h"
#include "zl/metrics/run_report.h"

namespace zl::metrics {
namespace {

using testing::RunDir;
using testing::step_record;
using testing::summary_value;
using testing::with;

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

// Two ranks; attempt 0 trains steps 1..4 and fails, attempt 1 resumes at step 3 and ends at step 6
// with loss 0.25. Each step: 3000 global tokens in 0.25 s. Step 2 of attempt 0 and step 5 of attempt 1 skipped (fp16
// overflow).
RunDir restarted_run() {
  const RunDir run;
  for (int r = 0; r < 2; ++r) {
    auto step = [&](int s, int attempt) {
      run.add_step(r, with(step_record(s, attempt), {{"tokens", 3000},
                                                     {"seconds", 0.25},
                                                     {"loss", s == 6 ? 0.25 : 2.0},
                                                     {"skipped", s == 2 || s == 5},
                                                     {"skipped_reason", "fp16_overflow"}}));
    };
    for (int s = 1; s <= 4; ++s) step(s, 0);
    for (int s = 3; s <= 6; ++s) step(s, 1);
  }
  run.write("config.resolved.json", R"({"format": "zlaunch.resolved_config/1",
    "launch": {"num_processes": 2, "mixed_precision": "fp16", "model": "tiny", "device": "cpu"},
    "training": {"zero_optimization": {"stage": 3}},
    "files_used": ["/cfg/accelerate.yaml", "/cfg/ds_zero3.json"]})");
  run.append_line("attempts.jsonl",
                  R"json({"attempt": 0, "outcome": "failed", "exit_code": 137, )json"
                  R"json("root_cause": "rank 1 killed by SIGKILL (out of memory?)", "seconds": 10.5})json");
  run.append_line("attempts.jsonl",
                  R"({"attempt": 1, "outcome": "success", "exit_code": 0, "root_cause": null, "seconds": 20})");
  run.write("attempt_0/rank_0.out", "step 2: validation loss 2.9000\n");
  run.write("attempt_1/rank_0.out",
            "step 4: validation loss 2.5000\n"
            "step     5/6 loss 1.0\rstep     6/6 loss 0.25\n"
            // attempt 1 resumed at step 2's checkpoint: train's done line says which steps ran here
            "done: steps 3..6 (4 this run), 12000 tokens in 1.0s (12000 tok/s over 2 rank(s)); last training loss "
            "0.2500; "
            "validation loss 2.3456\n"
            "task: exact-match accuracy 37.5% (3/8 held-out problems of 'add' on 2-digit operands, greedy "
            "decoding)\n");
  return run;
}

TEST(ReportSummary, ConfigOutcomeSpeedAndEveryFailuresRootCause) {
  const std::string html = render_run_report(restarted_run().path());
  EXPECT_EQ(summary_value(html, "config-files"), "<code>/cfg/accelerate.yaml</code>, <code>/cfg/ds_zero3.json</code>");
  EXPECT_EQ(summary_value(html, "zero-stage"), "3");
  EXPECT_EQ(summary_value(html, "world-size"), "2");
  EXPECT_EQ(summary_value(html, "precision"), "fp16 mixed precision");
  EXPECT_TRUE(has(summary_value(html, "model"), "tiny"));
  EXPECT_TRUE(has(summary_value(html, "train-loss"), "0.2500 <span class=\"detail\">(rank 0, step 6, attempt 1)"));
  EXPECT_EQ(summary_value(html, "validation-loss"), "2.3456");
  EXPECT_EQ(summary_value(html, "task-score"),
            "37.5% (3/8 held-out problems of 'add' on 2-digit operands, greedy decoding)");
  EXPECT_TRUE(has(summary_value(html, "wall-time"), "30.5 s"));
  // 8 records x 3000 tokens / (8 x 0.25 s); tokens_total 2048 x 6 over 30.5 s of wall time
  EXPECT_TRUE(has(summary_value(html, "tokens-per-second"), "12k "));
  EXPECT_TRUE(has(summary_value(html, "tokens-per-second"), "; 403 over the wall time"));
  const std::string restarts = summary_value(html, "restarts");
  EXPECT_EQ(restarts.substr(0, 1), "1");
  EXPECT_TRUE(has(restarts,
                  "attempt 0 failed (exit 137): <span class=\"root-cause\">rank 1 killed by SIGKILL (out of "
                  "memory?)</span>"))
      << restarts;
  EXPECT_FALSE(has(restarts, "attempt 1"));
  EXPECT_EQ(summary_value(html, "skipped-steps"), "2 <span class=\"detail\">(fp16_overflow 2)</span>");
  // The attempts table: steps each attempt logged, outcome and root cause.
  EXPECT_TRUE(has(html, "<td>1\u20134</td>"));
  EXPECT_TRUE(has(html, "<td>3\u20136</td>"));
  EXPECT_TRUE(has(html, "<tr class=\"outcome-failed\"><td>0</td><td>failed</td><td>137</td><td>10.5 s</td>"));
}

TEST(ReportSummary, ValidationLossesOfEveryAttemptAreDotsOnTheLossChart) {
  const std::string html = render_run_report(restarted_run().path());
  const std::string loss = testing::figure_titled(html, "Loss (rank 0)");
  const auto dots = loss.find("<g class=\"dots\" data-series=\"validation loss (printed by rank 0)\"");
  ASSERT_NE(dots, std::string::npos) << loss;
  // step 2 (attempt 0), step 4 and the final one at step 6 (attempt 1)
  EXPECT_EQ(testing::count(loss.substr(dots, loss.find("</g>", dots) - dots), "<circle "), 3u) << loss;
  EXPECT_EQ(testing::count(loss, "</svg>validation loss (printed by rank 0)</li>"), 1u);
}

TEST(ReportSummary, EvalOnlyValidationLossIsTheFinalOne) {
  const RunDir run;
  run.add_step(0, step_record(1));
  run.write("attempt_0/rank_0.out",
            "validation loss 1.234567 (40960 tokens in 320 consecutive windows of up to 128)\n");
  EXPECT_EQ(summary_value(render_run_report(run.path()), "validation-loss"), "1.2346");
}

TEST(ReportSummary, WhatNoInputSaysIsUnknownWithTheReason) {
  const RunDir run;
  for (int r = 0; r < 2; ++r) run.add_step(r, testing::old_step_record(1));
  run.write("attempt_0/rank_0.out", "hello from a program that is not train\n");
  const std::string html = render_run_report(run.path());
  EXPECT_TRUE(has(summary_value(html, "config-files"), "unknown (config.resolved.json absent)"));
  EXPECT_TRUE(has(summary_value(html, "zero-stage"), "unknown ("));
  EXPECT_EQ(summary_value(html, "world-size"), "2 (counted from the 2 rank logs)");
  EXPECT_TRUE(has(summary_value(html, "validation-loss"), "unknown (rank 0 printed no final validation loss)"));
  EXPECT_TRUE(has(summary_value(html, "task-score"), "unknown (rank 0 printed no task score)"));
  EXPECT_TRUE(has(summary_value(html, "wall-time"), "0.5 s"));
  EXPECT_TRUE(has(summary_value(html, "wall-time"), "attempts.jsonl absent"));
  EXPECT_TRUE(has(summary_value(html, "restarts"), "0 "));
  EXPECT_EQ(summary_value(html, "skipped-steps"), "0");
}

TEST(ReportSummary, MalformedOptionalInputsAreNotesNotFailures) {
  const RunDir run;
  run.add_step(0, step_record(1));
  run.write("config.resolved.json", "{not json");
  run.append_line("attempts.jsonl", "[1, 2]");
  const std::string html = render_run_report(run.path());
  EXPECT_TRUE(has(html, "config.resolved.json: not a JSON object, ignored"));
  EXPECT_TRUE(has(html, "attempts.jsonl:1: not an attempt record, ignored"));
  EXPECT_EQ(summary_value(html, "zero-stage"), "2");  // from the step log
}

}  // namespace
}  // namespace zl::metrics
