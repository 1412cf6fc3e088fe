// The shared main() of zlaunch and zlaunch-tools (cli_main.h).
#include "cli_main.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "zl/base/build_info.h"
#include "zl/base/error.h"

namespace zl::cli {
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

}  // namespace

void set_up_app(CLI::App& app) {
  app.name("zlaunch");
  app.description("zlaunch: launch and train sharded data-parallel (ZeRO) jobs");
  app.set_version_flag("--version", std::string("zlaunch ") + build_info::kVersion);
  app.require_subcommand(1);
}

int parse_and_run(CLI::App& app, int argc, char** argv) {
  if (argc > 1 && argv[1][0] != '-' && !is_subcommand(app, argv[1])) {
    std::cerr << "zlaunch: unknown subcommand '" << argv[1] << "'; the subcommands are: " << subcommand_names(app)
              << " (see zlaunch --help)\n";
    return static_cast<int>(ExitCode::kUsage);
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
    return static_cast<int>(ExitCode::kUsage);
  }
  return 0;
}

int run_main(int (*run)(int, char**), int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    std::cerr << "zlaunch: error: " << e.what() << '\n';
    return exit_code_for(e);
  } catch (const std::exception& e) {
    std::cerr << "zlaunch: unexpected error: " << e.what() << '\n';
    return exit_code_for(e);
  }
}

}  // namespace zl::cli
