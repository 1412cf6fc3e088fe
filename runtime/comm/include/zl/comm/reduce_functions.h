// Element-wise reductions the CPU backends apply to received data: out = a + b and in-place scaling,
// for fp32 and the 16-bit formats (accumulated in fp32, rounded to nearest even once per add).
// Written as plain loops over contiguous memory so the compiler vectorizes them (gloo's own sum is a
// scalar loop; DEPENDENCIES.md). `out` may alias `a` or `b`.
#pragma once

#include <cstddef>

#include "zl/comm/types.h"

namespace zl::comm {

void sum_into(void* out, const void* a, const void* b, std::size_t count, DataType type);
void scale_in_place(void* data, std::size_t count, DataType type, float factor);

// out[i] = factor * (sources[0][i] + ... + sources[n-1][i]), summed in fp32 in source order and rounded
// once to `type`, so every rank that reduces the same sources gets the same bits. Each source element
// is read once: the sum runs over a small tile that stays in L1. `out` may alias any source exactly.
void reduce_sources_into(void* out, const void* const* sources, int source_count, std::size_t count, DataType type,
                         float factor);

}  // namespace zl::comm
