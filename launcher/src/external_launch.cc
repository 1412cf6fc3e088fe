// mpirun/srun command construction and the hostfile reader (external_launch.h).
#include "zl/launcher/external_launch.h"

#include <fstream>
#include <sstream>

#include "zl/base/error.h"

namespace zl::launcher {

std::vector<HostfileEntry> read_hostfile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("hostfile '" + path + "' cannot be read; give a file with 'host slots=N' lines");
  std::vector<HostfileEntry> entries;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string host;
    if (!(words >> host)) continue;
    HostfileEntry entry{host, 1};
    std::string word;
    while (words >> word) {
      if (word.rfind("slots=", 0) == 0) {
        try {
          std::size_t used = 0;
          entry.slots = std::stoi(word.substr(6), &used);
          if (used != word.size() - 6 || entry.slots < 1) throw std::invalid_argument(word);
        } catch (const std::exception&) {
          throw ConfigError(path + ":" + std::to_string(number) + ": '" + word + "' is not slots=N with N >= 1");
        }
      } else {
        throw ConfigError(path + ":" + std::to_string(number) + ": unexpected '" + word +
                          "'; the format is 'host slots=N'");
      }
    }
    entries.push_back(entry);
  }
  if (entries.empty()) throw ConfigError("hostfile '" + path + "' lists no hosts");
  return entries;
}

std::map<std::string, std::string> external_environment(const LaunchPlan& plan, int attempt) {
  auto env = shared_environment(plan, attempt);
  env["ZLAUNCH_ERROR_FILE"] = plan.attempt_dir(attempt) + "/rank_{rank}.error.json";
  return env;
}

std::vector<std::string> mpirun_command(const LaunchPlan& plan, const std::map<std::string, std::string>& env,
                                        bool as_root) {
  std::vector<std::string> argv = {"mpirun", "-np", std::to_string(plan.world_size), "--oversubscribe", "--tag-output"};
  if (as_root) argv.emplace_back("--allow-run-as-root");
  if (!plan.hostfile.empty()) {
    argv.insert(argv.end(), {"--hostfile", plan.hostfile});
  } else {
    // One machine: shared-memory transport; MPI_Init takes ~45 ms instead of ~250 ms with the default.
    argv.insert(argv.end(), {"--mca", "pml", "ob1"});
  }
  // Names only: mpirun exports each variable's value from its own environment (the supervisor starts
  // it with `env`), so no value (the store's secret among them) is ever on a command line.
  for (const auto& entry : env) argv.insert(argv.end(), {"-x", entry.first});
  argv.insert(argv.end(), plan.command.begin(), plan.command.end());
  return argv;
}

std::vector<std::string> srun_command(const LaunchPlan& plan) {
  // --export=ALL: every task gets srun's whole environment, which holds the rank contract (the
  // supervisor starts srun with it). Values on the command line would be shown by ps, and srun
  // would split a value at its commas (ACCELERATE_CONFIG_DS_FIELDS is a comma list).
  std::vector<std::string> argv = {"srun",
                                   "--ntasks=" + std::to_string(plan.world_size),
                                   "--nodes=" + std::to_string(plan.num_machines),
                                   "--ntasks-per-node=" + std::to_string(plan.procs_per_machine),
                                   "--kill-on-bad-exit=1",
                                   "--label",
                                   "--export=ALL"};
  argv.insert(argv.end(), plan.command.begin(), plan.command.end());
  return argv;
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out += ' ';
    const bool plain =
        !arg.empty() &&
        arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=,@%+") ==
            std::string::npos;
    if (plain) {
      out += arg;
      continue;
    }
    out += '\'';
    for (const char c : arg) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

}  // namespace zl::launcher
