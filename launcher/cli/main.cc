// The `zlaunch` executable: assembles each component's subcommands into one CLI11 app and is the only
// place where errors become exit codes (STYLE.md habit 5): 0 ok, 1 failure, 2 usage/config error,
// 3 rendezvous/infrastructure error. The launched program's own exit code passes through `run`.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "bench_command.h"
#include "env_command.h"
#include "zl/base/build_info.h"
#include "zl/base/error.h"
#include "zl/checkpoint/commands.h"
#include "zl/config/commands.h"
#include "zl/config/visible_gpus.h"
#include "zl/device/accelerator_info.h"
#include "zl/launcher/commands.h"
#include "zl/metrics/commands.h"

namespace {

std::string subcommand_names(const CLI::App& app) {
  std::string names;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  return names;
}

bool is_subcommand(const CLI::App& app, const std::string& name) {
  const auto subs = app.get_subcommands([&name](const CLI::App* sub) { return sub->check_name(name); });
  return !subs.empty();
}

int run(int argc, char** argv) {
  zl::config::set_visible_gpu_counter(&zl::device::visible_gpu_count);
  CLI::App app{"zlaunch: launch and train sharded data-parallel (ZeRO) jobs", "zlaunch"};
  app.set_version_flag("--version", std::string("zlaunch ") + zl::build_info::kVersion);
  app.require_subcommand(1);
  zl::cli::add_env_command(app);
  zl::config::add_config_commands(app);
  // `run` stores the launched job's exit code here; every other command succeeds or throws.
  int program_exit_code = 0;
  zl::launcher::add_run_command(app, program_exit_code);
  zl::checkpoint::add_checkpoint_commands(app);  // `checkpoint inspect|consolidate` (runtime/checkpoint)
  zl::cli::add_bench_command(app);
  zl::metrics::add_report_command(app);

  if (argc > 1 && argv[1][0] != '-' && !is_subcommand(app, argv[1])) {
    std::cerr << "zlaunch: unknown subcommand '" << argv[1] << "'; the subcommands are: " << subcommand_names(app)
              << " (see zlaunch --help)\n";
    return static_cast<int>(zl::ExitCode::kUsage);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "zlaunch: " << e.what() << '\n';
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr ||
        dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
      std::cerr << "zlaunch: the subcommands are: " << subcommand_names(app) << " (see zlaunch --help)\n";
    }
    return static_cast<int>(zl::ExitCode::kUsage);
  }
  return program_exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const zl::Error& e) {
    std::cerr << "zlaunch: error: " << e.what() << '\n';
    return zl::exit_code_for(e);
  } catch (const std::exception& e) {
    std::cerr << "zlaunch: unexpected error: " << e.what() << '\n';
    return zl::exit_code_for(e);
  }
}
