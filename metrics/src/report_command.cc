// `zlaunch report RUN_DIR [--out FILE]` (run_report.h).
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "zl/metrics/commands.h"
#include "zl/metrics/run_report.h"

namespace zl::metrics {

void add_report_command(CLI::App& app) {
  auto* report = app.add_subcommand(
      "report",
      "Write an HTML page of a run: a summary (config, losses, task score, speed, restarts and their causes), "
      "charts over optimizer steps per rank, and memory against the estimate");
  auto run_dir = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  report->add_option("RUN_DIR", *run_dir, "The run directory: <log_dir>/<run_id>")->required();
  report->add_option("--out", *out, "Where to write the page (default RUN_DIR/report.html)");
  report->callback([run_dir, out] { std::cout << "wrote " << write_run_report(*run_dir, *out) << '\n'; });
}

}  // namespace zl::metrics
