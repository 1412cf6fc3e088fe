// optimizer_threads: how many threads the CPU optimizer steps (adamw.h) split one buffer over, and the
// splitter itself. Element-wise updates are independent per element, so any split gives the same bits.
//
// The count is set_optimizer_threads(t) when t >= 1 was given, else the BLAS count
// (blas_threads.h), which the runtime sets from OMP_NUM_THREADS (one rank's share of the cores). Setting
// it is process-wide and not synchronized with steps running on other threads: set it before training.
#pragma once

#include <cstddef>
#include <functional>

namespace zl::kernels {

// Below this many elements per thread a split costs more (thread start and join, some 10-30 us) than
// it saves, so a buffer of n elements uses min(optimizer_threads(), n / kOptimizerMinChunk) threads.
inline constexpr std::size_t kOptimizerMinChunk = std::size_t{1} << 16;

// t >= 1 fixes the count; t <= 0 returns to following blas_threads().
void set_optimizer_threads(int threads);
int optimizer_threads();

// Calls fn(begin, end) over contiguous chunks that cover [0, n) exactly once, on up to `threads`
// threads (the calling thread runs the first chunk), each chunk at least min_chunk elements unless n
// is smaller. Returns after every chunk is done. If a thread cannot be started its chunk runs on the
// calling thread. fn must not throw.
void for_each_chunk(std::size_t n, int threads, std::size_t min_chunk,
                    const std::function<void(std::size_t, std::size_t)>& fn);

}  // namespace zl::kernels
