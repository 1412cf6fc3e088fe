// read_train_console (run_record.h): results that `train` prints rather than logs, read back from rank
// 0's stdout, which the launcher copies to <run_dir>/attempt_<N>/rank_0.out (launcher/src/launch_plan.cc,
// rank_log_path). A program other than `train` prints none of these lines, and the summary then says
// "not printed".
//
// The contract is the printf formats of runtime/train/training_run.cc; each regex below matches one
// whole line (a trailing '\r' from a redrawn progress bar removed first):
//   "step N: validation loss X"                     kValidationAtStep: a point on the loss chart
//   "done: N steps, ...; validation loss X"         kDone: the final validation loss, at step N; after a
//   "done: steps A..N (K this run), ...; ..."        resume the steps say which ran here, and with nothing
//   "done: 0 steps (resumed at step N), ...; ..."    left to do, where the training stood (Progress)
//   "validation loss X (T tokens in W ...)"         kEvalOnly: the final validation loss (--eval_only)
//   "task: exact-match accuracy P% (DETAILS)"       kTask: the task score, shown as "P% (DETAILS)"
// X and P are what printf's %f wrote (strtod reads them, nan and inf included). The last such line of
// the last attempt that printed one wins.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include "run_record.h"

namespace zl::metrics::report {
namespace {

namespace fs = std::filesystem;

const std::regex kValidationAtStep(R"(^step ([0-9]+): validation loss (\S+)$)");
const std::regex kDone(
    R"(^done: (?:([0-9]+) steps|steps [0-9]+\.\.([0-9]+) \([0-9]+ this run\)|0 steps \(resumed at step ([0-9]+)\)), )"
    R"(.*; validation loss (\S+)$)");

// The step the final validation loss belongs to: whichever of kDone's three forms matched.
long long done_step(const std::smatch& m) {
  for (const int group : {1, 2, 3}) {
    if (m[group].matched) return std::stoll(m[group]);
  }
  return 0;
}
const std::regex kEvalOnly(R"(^validation loss (\S+) \(.*\)$)");
const std::regex kTask(R"(^task: exact-match accuracy (\S+%) \((.*)\)$)");

void read_console_file(const fs::path& path, int attempt, TrainConsole& console) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // A progress bar redrawn with '\r' leaves earlier frames on the line: keep the last one.
    if (const auto cr = line.rfind('\r'); cr != std::string::npos) line.erase(0, cr + 1);
    std::smatch m;
    if (std::regex_match(line, m, kValidationAtStep)) {
      console.validation.push_back({std::stoll(m[1]), attempt, std::strtod(m[2].str().c_str(), nullptr)});
    } else if (std::regex_match(line, m, kDone)) {
      const double loss = std::strtod(m[4].str().c_str(), nullptr);
      console.final_validation_loss = loss;
      console.validation.push_back({done_step(m), attempt, loss});
    } else if (std::regex_match(line, m, kEvalOnly)) {
      console.final_validation_loss = std::strtod(m[1].str().c_str(), nullptr);
    } else if (std::regex_match(line, m, kTask)) {
      console.task_score = m[1].str() + " (" + m[2].str() + ")";
    }
  }
}

}  // namespace

TrainConsole read_train_console(const std::string& run_dir) {
  TrainConsole console;
  std::map<int, fs::path> by_attempt;
  std::error_code ec;
  const std::regex name("attempt_([0-9]+)");
  for (const auto& entry : fs::directory_iterator(run_dir, ec)) {
    std::smatch m;
    const std::string dir = entry.path().filename().string();
    if (std::regex_match(dir, m, name) && fs::exists(entry.path() / "rank_0.out", ec)) {
      by_attempt[std::stoi(m[1])] = entry.path() / "rank_0.out";
    }
  }
  for (const auto& [attempt, path] : by_attempt) {
    console.files.push_back(path.string());
    read_console_file(path, attempt, console);
  }
  return console;
}

}  // namespace zl::metrics::report
