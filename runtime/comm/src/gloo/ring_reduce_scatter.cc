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
  // The partial sums accumulate in a copy of the input: the caller's input stays untouched.
  std::vector<char> acc(static_cast<const char*>(in), static_cast<const char*>(in) + block_bytes * static_cast<std::size_t>(n));
  const std::size_t segment_bytes = std::min(block_bytes, kSegmentBytes / esize * esize);
  std::vector<char> scratch(2 * segment_bytes);
  auto acc_buffer = context.createUnboundBuffer(acc.data(), acc.size());
  auto scratch_buffer = context.createUnboundBuffer(scratch.data(), scratch.size());
  const auto slot = static_cast<std::uint64_t>(context.nextSlot());
  const int left = (r - 1 + n) % n;
  const int right = (r + 1) % n;
  const std::size_t segments = (block_bytes + segment_bytes - 1) / segment_bytes;
  auto segment_length = [&](std::size_t k) { return std::min(segment_bytes, block_bytes - k * segment_bytes); };

  for (int step = 0; step < n - 1; ++step) {
    const std::size_t send_offset = static_cast<std::size_t>((r - step - 1 + 2 * n) % n) * block_bytes;
    const std::size_t recv_offset = static_cast<std::size_t>((r - step - 2 + 2 * n) % n) * block_bytes;
    scratch_buffer->recv(left, slot, 0, segment_length(0));
    for (std::size_t k = 0; k < segments; ++k) {
      acc_buffer->send(right, slot, send_offset + k * segment_bytes, segment_length(k));
    }
    for (std::size_t k = 0; k < segments; ++k) {
      expect(scratch_buffer->waitRecv(timeout), "receive", left);
      if (k + 1 < segments) scratch_buffer->recv(left, slot, ((k + 1) % 2) * segment_bytes, segment_length(k + 1));
      char* target = acc.data() + recv_offset + k * segment_bytes;
      sum_into(target, target, scratch.data() + (k % 2) * segment_bytes, segment_length(k) / esize, type);
    }
    for (std::size_t k = 0; k < segments; ++k) expect(acc_buffer->waitSend(timeout), "send", right);
  }
  std::memcpy(out, acc.data() + static_cast<std::size_t>(r) * block_bytes, block_bytes);
}

}  // namespace zl::comm
