// Exact-answer checks of every collective for every dtype and both reductions (collective_checks.h).
#include "collective_checks.h"

#include <cstdint>
#include <sstream>
#include <vector>

#include "zl/kernels/math/cast_math.h"

namespace zl::comm::testing {
namespace {

using kernels::math::bf16_bits_to_float;
using kernels::math::float_to_bf16_bits;
using kernels::math::float_to_fp16_bits;
using kernels::math::fp16_bits_to_float;

// A buffer of `count` elements of `type` holding small integers; value(i) must stay below 256 in
// magnitude after summing over ranks so bf16 sums are exact too.
struct Buffer {
  DataType type;
  std::vector<float> f32;
  std::vector<std::uint16_t> h16;

  Buffer(DataType t, std::size_t count) : type(t) {
    if (t == DataType::kFp32)
      f32.resize(count);
    else
      h16.resize(count);
  }
  void* data() { return type == DataType::kFp32 ? static_cast<void*>(f32.data()) : static_cast<void*>(h16.data()); }
  void set(std::size_t i, float v) {
    if (type == DataType::kFp32)
      f32[i] = v;
    else
      h16[i] = type == DataType::kBf16 ? float_to_bf16_bits(v) : float_to_fp16_bits(v);
  }
  [[nodiscard]] float get(std::size_t i) const {
    if (type == DataType::kFp32) return f32[i];
    return type == DataType::kBf16 ? bf16_bits_to_float(h16[i]) : fp16_bits_to_float(h16[i]);
  }
};

// Input element i of rank r: an integer in [-3, 4] that differs between ranks and positions.
float input_value(int r, std::size_t i) {
  return static_cast<float>(static_cast<int>((i * 7 + static_cast<std::size_t>(r) * 3) % 8) - 3);
}

float sum_over_ranks(int n, std::size_t i) {
  float s = 0;
  for (int r = 0; r < n; ++r) s += input_value(r, i);
  return s;
}

std::string mismatch(const char* what, DataType type, std::size_t count, std::size_t i, float got, float want) {
  std::ostringstream os;
  os << what << " " << to_string(type) << " count " << count << ": element " << i << " is " << got << ", expected "
     << want;
  return os.str();
}

}  // namespace

std::string check_all_collectives(Communicator& comm) {
  const int n = comm.size();
  const int r = comm.rank();
  for (const DataType type : {DataType::kFp32, DataType::kBf16, DataType::kFp16}) {
    // 2^21 + 3 elements per block exceed the gloo ring's 4 MiB segment (several segments per step, an
    // odd tail); the others cover one element, odd sizes and one segment.
    for (const std::size_t count :
         {std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{65537}, (std::size_t{1} << 21) + 3}) {
      // all_reduce, sum and average; the average is defined as the exact sum scaled by 1/n, rounded
      // once to the element type.
      for (const ReduceOp op : {ReduceOp::kSum, ReduceOp::kAvg}) {
        Buffer buf(type, count);
        for (std::size_t i = 0; i < count; ++i) buf.set(i, input_value(r, i));
        comm.all_reduce(buf.data(), count, type, op);
        for (std::size_t i = 0; i < count; ++i) {
          Buffer expect(type, 1);
          expect.set(
              0, op == ReduceOp::kSum ? sum_over_ranks(n, i) : sum_over_ranks(n, i) * (1.0f / static_cast<float>(n)));
          if (buf.get(i) != expect.get(0)) return mismatch("all_reduce", type, count, i, buf.get(i), expect.get(0));
        }
      }
      // reduce_scatter: rank r receives block r of the sum.
      {
        Buffer in(type, count * static_cast<std::size_t>(n)), out(type, count);
        for (std::size_t i = 0; i < in.f32.size() + in.h16.size(); ++i) in.set(i, input_value(r, i));
        comm.reduce_scatter(in.data(), out.data(), count, type, ReduceOp::kSum);
        for (std::size_t i = 0; i < count; ++i) {
          const float want = sum_over_ranks(n, static_cast<std::size_t>(r) * count + i);
          if (out.get(i) != want) return mismatch("reduce_scatter", type, count, i, out.get(i), want);
        }
      }
      // all_gather: block k of the output is rank k's input.
      {
        Buffer in(type, count), out(type, count * static_cast<std::size_t>(n));
        for (std::size_t i = 0; i < count; ++i) in.set(i, input_value(r, i) + 100.0f * static_cast<float>(r));
        comm.all_gather(in.data(), out.data(), count, type);
        for (int k = 0; k < n; ++k) {
          for (std::size_t i = 0; i < count; ++i) {
            const float want = input_value(k, i) + 100.0f * static_cast<float>(k);
            const float got = out.get(static_cast<std::size_t>(k) * count + i);
            Buffer expect(type, 1);
            expect.set(0, want);
            if (got != expect.get(0)) return mismatch("all_gather", type, count, i, got, expect.get(0));
          }
        }
      }
      // In place, as the ZeRO stages use them: reduce_scatter into this rank's block of its own input,
      // all_gather from this rank's block of the output.
      {
        Buffer buf(type, count * static_cast<std::size_t>(n));
        for (std::size_t i = 0; i < count * static_cast<std::size_t>(n); ++i) buf.set(i, input_value(r, i));
        char* base = static_cast<char*>(buf.data());
        char* own = base + static_cast<std::size_t>(r) * count * element_size(type);
        comm.reduce_scatter(base, own, count, type, ReduceOp::kSum);
        for (std::size_t i = 0; i < count; ++i) {
          const std::size_t g = static_cast<std::size_t>(r) * count + i;
          if (buf.get(g) != sum_over_ranks(n, g))
            return mismatch("reduce_scatter in place", type, count, i, buf.get(g), sum_over_ranks(n, g));
        }
        comm.all_gather(own, base, count, type);
        for (std::size_t g = 0; g < count * static_cast<std::size_t>(n); ++g) {
          if (buf.get(g) != sum_over_ranks(n, g))
            return mismatch("all_gather in place", type, count, g, buf.get(g), sum_over_ranks(n, g));
        }
      }
      // broadcast from the last rank.
      {
        Buffer buf(type, count);
        for (std::size_t i = 0; i < count; ++i) buf.set(i, input_value(r, i));
        comm.broadcast(buf.data(), count, type, n - 1);
        for (std::size_t i = 0; i < count; ++i) {
          if (buf.get(i) != input_value(n - 1, i))
            return mismatch("broadcast", type, count, i, buf.get(i), input_value(n - 1, i));
        }
      }
    }
  }
  comm.barrier();
  return "";
}

}  // namespace zl::comm::testing
