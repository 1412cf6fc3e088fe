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

}  // namespace zl::comm
