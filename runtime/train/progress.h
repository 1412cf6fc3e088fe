// Progress output of `train`: a one-line bar redrawn in place on a terminal (step, loss, tokens/s, ETA),
// also under zlaunch run when its console is a terminal, plain lines every steps_per_print steps
// otherwise (logs, files, CI). A resumed
// run starts at the checkpoint's step: the ETA and the summary count only the steps this process takes.
#pragma once

#include <cstdint>
#include <string>

namespace zl::train {

class Progress {
 public:
  // `first_step`: the optimizer steps done before this process started (a resume's checkpoint step, else
  // 0); this process takes steps first_step + 1 .. total_steps. `bar`: draw the bar (stdout is a
  // terminal, or the launcher's console is one and redraws it: RankContext::progress_bar), else lines.
  Progress(std::int64_t first_step, std::int64_t total_steps, int steps_per_print, std::string prefix, bool bar);
  // After optimizer step `step` (1-based), `elapsed_s` seconds after this process's first step began;
  // the ETA assumes the remaining steps take as long as this process's steps did. `extra` (e.g. fp16's
  // " loss_scale 65536 skipped 3") is appended to the line.
  void update(std::int64_t step, double loss, double lr, double grad_norm, double tokens_per_s, double elapsed_s,
              const std::string& extra = "");
  // Ends the bar's line so that ordinary output can follow.
  void finish();
  // The steps of the final line: "100 steps" from step 0, "steps 41..100 (60 this run)" after a resume,
  // "0 steps (resumed at step 100)" when nothing was left to do.
  [[nodiscard]] std::string steps_summary() const;

 private:
  std::int64_t first_;
  std::int64_t total_;
  int every_;
  std::string prefix_;
  bool bar_;
  bool drawn_ = false;
};

}  // namespace zl::train
