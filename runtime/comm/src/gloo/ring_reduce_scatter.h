// Ring reduce-scatter on gloo's point-to-point UnboundBuffer send/recv. Internal to the gloo backend.
#pragma once

#include <chrono>
#include <cstddef>

#include "zl/comm/types.h"

namespace gloo {
class Context;
}

namespace zl::comm {

// in: count * context.size elements; out: the fully reduced block `context.rank` (count elements).
// n-1 steps; at step s rank r sends its partial block (r-s-1) mod n to r+1 and adds the block
// (r-s-2) mod n received from r-1, so after the last step it holds block r reduced over all ranks.
// Sends and receives are segmented identically on both sides (a send must never exceed the posted
// receive on gloo's TCP transport), and the receive of segment k+1 is posted before segment k is added.
void ring_reduce_scatter(gloo::Context& context, const void* in, void* out, std::size_t count, DataType type,
                         std::chrono::milliseconds timeout);

}  // namespace zl::comm
