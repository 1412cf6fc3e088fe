// adamw_bench: seconds per cpu::adamw_step over one flat buffer of N fp32 parameters on T threads
// (bench/optimizer/run.sh runs it alternately with torch_adamw.py). Prints one JSON line:
// {"impl":"zlaunch","n":N,"threads":T,"step_ms":[...],"median_ms":M}.
// Usage: adamw_bench N THREADS STEPS   (one untimed warm-up step first; weight decay 0.01, as torch).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "zl/kernels/adamw.h"
#include "zl/kernels/optimizer_threads.h"

namespace {

std::vector<float> filled(std::size_t n, float scale) {
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = scale * static_cast<float>(static_cast<int>(i % 2001) - 1000) / 1000.0F;
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s N THREADS STEPS\n", argv[0]);
    return 2;
  }
  const std::size_t n = std::stoull(argv[1]);
  const int threads = std::stoi(argv[2]);
  const int steps = std::stoi(argv[3]);
  zl::kernels::set_optimizer_threads(threads);
  std::vector<float> p = filled(n, 1.0F), g = filled(n, 0.01F), m(n, 0.0F), v(n, 0.0F);
  zl::kernels::AdamHyper h;
  h.weight_decay = 0.01F;
  std::vector<double> ms;
  for (int s = 0; s <= steps; ++s) {
    h.step = s + 1;
    const auto t0 = std::chrono::steady_clock::now();
    zl::kernels::cpu::adamw_step(p.data(), g.data(), m.data(), v.data(), n, h);
    const auto t1 = std::chrono::steady_clock::now();
    if (s > 0) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted.empty() ? 0.0 : sorted[sorted.size() / 2];
  std::printf("{\"impl\":\"zlaunch\",\"n\":%zu,\"threads\":%d,\"step_ms\":[", n, threads);
  for (std::size_t i = 0; i < ms.size(); ++i) std::printf("%s%.3f", i == 0 ? "" : ",", ms[i]);
  std::printf("],\"median_ms\":%.3f,\"checksum\":%.6g}\n", median, static_cast<double>(p[n / 3]));
  return 0;
}
