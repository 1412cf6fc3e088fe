// Ring reduce-scatter over gloo UnboundBuffers (see ring_reduce_scatter.h for the schedule).
#include "ring_reduce_scatter.h"

#include <gloo/context.h>
#include <gloo/transport/unbound_buffer.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "zl/base/error.h"
#include "zl/comm/reduce_functions.h"

namespace zl::comm {
namespace {

constexpr std::size_t kSegmentBytes = 4u << 20;  // large enough to amortize a round trip, small enough to pipeline

void expect(bool completed, const char* what, int peer) {
  if (!completed) {
    throw InfrastructureError(std::string("gloo reduce_scatter: ") + what + " with rank " + std::to_string(peer) +
                              " was aborted");
  }
}

}  // namespace

void ring_reduce_scatter(gloo::Context& context, const void* in, void* out, std::size_t count, DataType type,
                         std::chrono::milliseconds timeout) {
  const int n = context.size;
  const int r = context.rank;
  const std::size_t esize = element_size(type);
  const std::size_t block_bytes = count * esize;
  if (n == 1) {
    std::memmove(out, in, block_bytes);
    return;
  }
  // Partial sums never need the whole input copied: step 0 sends straight from the caller's input
  // (read only), and each later step sends the partial block the previous step produced. Two blocks of
  // partial sums alternate (step s writes partial[s % 2] while step s's sends read partial[(s-1) % 2],
  // which step s-1 finished waiting for), and the last step adds into `out` directly.
  const char* input = static_cast<const char*>(in);
  std::vector<char> partial(2 * block_bytes);
  const std::size_t segment_bytes = std::min(block_bytes, kSegmentBytes / esize * esize);
  std::vector<char> scratch(2 * segment_bytes);
  // gloo's buffers take non-const pointers; the input buffer is only ever sent from.
  auto input_buffer = context.createUnboundBuffer(const_cast<char*>(input), block_bytes * static_cast<std::size_t>(n));
  auto partial_buffer = context.createUnboundBuffer(partial.data(), partial.size());
  auto scratch_buffer = context.createUnboundBuffer(scratch.data(), scratch.size());
  const auto slot = static_cast<std::uint64_t>(context.nextSlot());
  const int left = (r - 1 + n) % n;
  const int right = (r + 1) % n;
  const std::size_t segments = (block_bytes + segment_bytes - 1) / segment_bytes;
  auto segment_length = [&](std::size_t k) { return std::min(segment_bytes, block_bytes - k * segment_bytes); };

  for (int step = 0; step < n - 1; ++step) {
    const bool last = step == n - 2;
    // Step 0 sends input block (r-1) mod n; later steps the partial sum made by the previous step.
    auto& send_buffer = step == 0 ? input_buffer : partial_buffer;
    const std::size_t send_offset = step == 0 ? static_cast<std::size_t>(left) * block_bytes
                                              : static_cast<std::size_t>((step - 1) % 2) * block_bytes;
    // The block received from the left at this step, (r-step-2) mod n, gets this rank's input added.
    const char* own = input + static_cast<std::size_t>((r - step - 2 + 2 * n) % n) * block_bytes;
    char* sum = last ? static_cast<char*>(out) : partial.data() + static_cast<std::size_t>(step % 2) * block_bytes;
    scratch_buffer->recv(left, slot, 0, segment_length(0));
    for (std::size_t k = 0; k < segments; ++k) {
      send_buffer->send(right, slot, send_offset + k * segment_bytes, segment_length(k));
    }
    for (std::size_t k = 0; k < segments; ++k) {
      expect(scratch_buffer->waitRecv(timeout), "receive", left);
      if (k + 1 < segments) scratch_buffer->recv(left, slot, ((k + 1) % 2) * segment_bytes, segment_length(k + 1));
      const std::size_t at = k * segment_bytes;
      sum_into(sum + at, own + at, scratch.data() + (k % 2) * segment_bytes, segment_length(k) / esize, type);
    }
    for (std::size_t k = 0; k < segments; ++k) expect(send_buffer->waitSend(timeout), "send", right);
  }
}

}  // namespace zl::comm
