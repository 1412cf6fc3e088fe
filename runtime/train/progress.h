// Progress output of `train`: a one-line bar redrawn in place on a terminal (step, loss, tokens/s, ETA),
// plain lines every steps_per_print steps otherwise (logs, the launcher's prefixed console).
#pragma once

#include <cstdint>
#include <string>

namespace zl::train {

class Progress {
 public:
  Progress(std::int64_t total_steps, int steps_per_print, std::string prefix);
  // After optimizer step `step` (1-based); `extra` (e.g. fp16's " loss_scale 65536 skipped 3") is
  // appended to the line.
  void update(std::int64_t step, double loss, double lr, double grad_norm, double tokens_per_s, double elapsed_s,
              const std::string& extra = "");
  // Ends the bar's line so that ordinary output can follow.
  void finish();

 private:
  std::int64_t total_;
  int every_;
  std::string prefix_;
  bool tty_;
  bool drawn_ = false;
};

}  // namespace zl::train
