// optimizer_threads: the CPU optimizer's thread count and chunk splitter (zl/kernels/optimizer_threads.h).
// Host-side configuration, not an op (kernels/host/). One std::thread per extra chunk and step: a step
// over a >= 64K-element buffer takes far longer than starting a thread, and there is no pool to size,
// own or shut down.
#include "zl/kernels/optimizer_threads.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <system_error>
#include <thread>
#include <vector>

#include "zl/kernels/blas_threads.h"

namespace zl::kernels {
namespace {

std::atomic<int> g_optimizer_threads{0};  // 0: follow blas_threads()

}  // namespace

void set_optimizer_threads(int threads) { g_optimizer_threads.store(threads < 1 ? 0 : threads); }

int optimizer_threads() {
  const int t = g_optimizer_threads.load();
  return t >= 1 ? t : std::max(1, blas_threads());
}

void for_each_chunk(std::size_t n, int threads, std::size_t min_chunk,
                    const std::function<void(std::size_t, std::size_t)>& fn) {
  if (n == 0) return;
  const std::size_t by_size = std::max<std::size_t>(1, n / std::max<std::size_t>(1, min_chunk));
  const std::size_t t = std::min<std::size_t>(static_cast<std::size_t>(std::max(1, threads)), by_size);
  if (t == 1) {
    fn(0, n);
    return;
  }
  // Chunk c is [bound(c), bound(c + 1)): the first n % t chunks hold one element more than the rest.
  const std::size_t base = n / t;
  const std::size_t extra = n % t;
  const auto bound = [base, extra](std::size_t c) { return c * base + std::min(c, extra); };
  std::vector<std::thread> workers;
  workers.reserve(t - 1);
  std::size_t inline_from = t;  // chunks [inline_from, t) run here when a thread cannot start
  for (std::size_t c = 1; c < t; ++c) {
    try {
      workers.emplace_back(std::cref(fn), bound(c), bound(c + 1));
    } catch (const std::system_error&) {
      inline_from = c;
      break;
    }
  }
  fn(0, bound(1));
  for (std::size_t c = inline_from; c < t; ++c) fn(bound(c), bound(c + 1));
  for (std::thread& w : workers) w.join();
}

}  // namespace zl::kernels
