// The interactive `zlaunch config` wizard: asks the questions of a launch (machines, launcher,
// processes, device, precision, ZeRO stage with the per-rank memory of each choice, offload, batch,
// clipping, optimizer, schedule, metrics port, where to save) and writes a launch YAML + DeepSpeed JSON.
// On a terminal it shows arrow-key menus (terminal_menu.h); otherwise it reads numbered answers, one
// per line, so it can be scripted.
#pragma once

#include <cstdio>
#include <string>

namespace zl::config {

struct WizardOptions {
  std::string output_directory;  // preset answer to "where to save" ("" = ask)
  std::string model = "small";   // model whose per-rank memory is shown next to each ZeRO stage
  bool overwrite = false;
};

// Reads answers from `in` (a terminal gets raw-mode menus when `in_fd` is a TTY), writes prompts to
// `out`. Returns the directory written. Throws zl::UsageError when input ends before the last answer.
std::string run_wizard(const WizardOptions& options, int in_fd, std::FILE* out);

}  // namespace zl::config
