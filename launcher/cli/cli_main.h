// What the main() of both zlaunch executables shares, so that zlaunch and zlaunch-tools present one
// CLI: the app's name, description and --version, usage errors (exit 2, naming the subcommands), and
// the one place where thrown errors become messages and exit codes (STYLE.md habit 5): 0 ok,
// 1 failure, 2 usage/config error, 3 rendezvous/infrastructure error.
#pragma once

namespace CLI {
class App;
}

namespace zl::cli {

// Names the app "zlaunch", describes it, adds --version and requires exactly one subcommand.
void set_up_app(CLI::App& app);

// Parses argv and runs the chosen subcommand's callback (which throws on failure). Returns 0, also
// after printing --help or --version, or 2 after printing a usage error; an unknown subcommand is
// refused before parsing, with the list of the app's subcommands.
int parse_and_run(CLI::App& app, int argc, char** argv);

// run(argc, argv)'s result, or the message and exit code of the zl::Error or std::exception it threw.
int run_main(int (*run)(int, char**), int argc, char** argv);

}  // namespace zl::cli
