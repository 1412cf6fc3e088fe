// `zlaunch env [--json]`: prints the environment report (env_report.h) as text or JSON.
#include "env_command.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "env_report.h"

namespace zl::cli {

void define_env_command(CLI::App& env) {
  auto as_json = std::make_shared<bool>(false);
  env.add_flag("--json", *as_json, "Print the report as JSON");
  env.callback([as_json] {
    const auto report = gather_env_report();
    if (*as_json) {
      std::cout << report.dump(2) << '\n';
    } else {
      std::cout << format_env_report(report);
    }
  });
}

}  // namespace zl::cli
