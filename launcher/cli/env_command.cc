// `zlaunch env [--json]`: prints the environment report (env_report.h) as text or JSON.
#include "env_command.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "env_report.h"

namespace zl::cli {

void add_env_command(CLI::App& app) {
  auto* command =
      app.add_subcommand("env", "Print versions, machine, backends and GPUs: the report to paste into a bug");
  auto as_json = std::make_shared<bool>(false);
  command->add_flag("--json", *as_json, "Print the report as JSON");
  command->callback([as_json] {
    const auto report = gather_env_report();
    if (*as_json) {
      std::cout << report.dump(2) << '\n';
    } else {
      std::cout << format_env_report(report);
    }
  });
}

}  // namespace zl::cli
