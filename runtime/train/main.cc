// The `train` executable: GPT-2 training with the embedded runtime, run alone or as a rank under
// `zlaunch run`. Like zlaunch's own main(), this is the only place where errors become exit codes:
// 0 ok, 1 failure, 2 usage/config error (a bad flag, a missing data file), 3 infrastructure.
// Under `zlaunch run` a fatal error is also written to the rank's error file (ZLAUNCH_ERROR_FILE), so
// the launcher's failure report quotes the message, the exception type or the signal and backtrace.
#include <CLI/CLI.hpp>

#include <iostream>

#include "train_options.h"
#include "training_run.h"
#include "zl/base/error.h"
#include "zl/config/visible_gpus.h"
#include "zl/device/accelerator_info.h"
#include "zl/rank/error_file.h"
#include "zl/rank/rank_context.h"

int main(int argc, char** argv) {
  zl::rank::install_error_handler();
  zl::config::set_visible_gpu_counter(&zl::device::visible_gpu_count);
  try {
    CLI::App app{"train: GPT-2 training on the zlaunch runtime (default: a built-in task)", "train"};
    zl::train::TrainFlags flags;
    zl::train::add_train_flags(app, flags);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) return app.exit(e);  // --help
      std::cerr << "train: " << e.what() << " (see train --help)\n";
      return static_cast<int>(zl::ExitCode::kUsage);
    }
    const zl::rank::RankContext rank = zl::rank::RankContext::from_environment();
    return zl::train::run_training(zl::train::make_setup(flags, rank));
  } catch (const zl::Error& e) {
    std::cerr << "train: error: " << e.what() << '\n';
    zl::rank::record_error(e.what(), typeid(e).name());
    return zl::exit_code_for(e);
  } catch (const std::exception& e) {
    std::cerr << "train: unexpected error: " << e.what() << '\n';
    zl::rank::record_error(e.what(), typeid(e).name());
    return zl::exit_code_for(e);
  }
}
