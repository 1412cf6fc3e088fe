// Terminal bar or plain progress lines (progress.h).
#include "progress.h"

#include <cstdio>

namespace zl::train {

Progress::Progress(std::int64_t first_step, std::int64_t total_steps, int steps_per_print, std::string prefix, bool bar)
    : first_(first_step),
      total_(total_steps),
      every_(steps_per_print < 1 ? 1 : steps_per_print),
      prefix_(std::move(prefix)),
      bar_(bar) {}

void Progress::update(std::int64_t step, double loss, double lr, double grad_norm, double tokens_per_s,
                      double elapsed_s, const std::string& extra) {
  const std::int64_t taken = step - first_;
  const double eta = taken > 0 ? elapsed_s / static_cast<double>(taken) * static_cast<double>(total_ - step) : 0.0;
  if (bar_) {
    constexpr int kWidth = 24;
    const int filled = total_ > 0 ? static_cast<int>(kWidth * step / total_) : kWidth;
    char bar[kWidth + 1];
    for (int i = 0; i < kWidth; ++i) bar[i] = i < filled ? '#' : '.';
    bar[kWidth] = '\0';
    std::printf("\r%sstep %lld/%lld [%s] loss %.4f%s | %.0f tok/s | ETA %.0fs   ", prefix_.c_str(),
                static_cast<long long>(step), static_cast<long long>(total_), bar, loss, extra.c_str(), tokens_per_s,
                eta);
    std::fflush(stdout);
    drawn_ = true;
    return;
  }
  if (step % every_ == 0 || step == total_ || taken == 1) {
    std::printf("%sstep %lld/%lld loss %.4f lr %.3e grad_norm %.3f%s tok/s %.0f elapsed %.1fs eta %.0fs\n",
                prefix_.c_str(), static_cast<long long>(step), static_cast<long long>(total_), loss, lr, grad_norm,
                extra.c_str(), tokens_per_s, elapsed_s, eta);
    std::fflush(stdout);
  }
}

std::string Progress::steps_summary() const {
  if (first_ == 0) return std::to_string(total_) + " steps";
  if (first_ >= total_) return "0 steps (resumed at step " + std::to_string(first_) + ")";
  return "steps " + std::to_string(first_ + 1) + ".." + std::to_string(total_) + " (" +
         std::to_string(total_ - first_) + " this run)";
}

void Progress::finish() {
  if (drawn_) std::printf("\n");
  drawn_ = false;
  std::fflush(stdout);
}

}  // namespace zl::train
