// nccl-tests-style timing and exactness check of each collective (see comm_benchmark.h).
#include "zl/comm/comm_benchmark.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <vector>

#include "zl/comm/reduce_functions.h"
#include "zl/kernels/math/cast_math.h"

namespace zl::comm {
namespace {

using Clock = std::chrono::steady_clock;

// Element i of rank r for the exactness check: a small integer, exact in every dtype after summing
// over up to 64 ranks.
float crafted(int r, std::size_t i) {
  return static_cast<float>(static_cast<int>((i + 3 * static_cast<std::size_t>(r)) % 4));
}

void fill(std::vector<char>& buffer, DataType type, std::size_t count, int r, std::size_t first_index) {
  for (std::size_t i = 0; i < count; ++i) {
    const float v = crafted(r, first_index + i);
    switch (type) {
      case DataType::kFp32:
        reinterpret_cast<float*>(buffer.data())[i] = v;
        break;
      case DataType::kBf16:
        reinterpret_cast<std::uint16_t*>(buffer.data())[i] = kernels::math::float_to_bf16_bits(v);
        break;
      case DataType::kFp16:
        reinterpret_cast<std::uint16_t*>(buffer.data())[i] = kernels::math::float_to_fp16_bits(v);
        break;
    }
  }
}

float value_at(const std::vector<char>& buffer, DataType type, std::size_t i) {
  switch (type) {
    case DataType::kFp32:
      return reinterpret_cast<const float*>(buffer.data())[i];
    case DataType::kBf16:
      return kernels::math::bf16_bits_to_float(reinterpret_cast<const std::uint16_t*>(buffer.data())[i]);
    case DataType::kFp16:
      return kernels::math::fp16_bits_to_float(reinterpret_cast<const std::uint16_t*>(buffer.data())[i]);
  }
  return 0.0f;
}

float summed(int n, std::size_t i) {
  float s = 0;
  for (int r = 0; r < n; ++r) s += crafted(r, i);
  return s;
}

// Issues one call of `collective` on the buffers; `in` and `out` are sized for the largest case.
void call(Communicator& comm, Collective collective, std::vector<char>& in, std::vector<char>& out, std::size_t count,
          DataType type) {
  switch (collective) {
    case Collective::kAllReduce:
      comm.all_reduce(out.data(), count, type, ReduceOp::kSum);
      break;
    case Collective::kReduceScatter:
      comm.reduce_scatter(in.data(), out.data(), count, type, ReduceOp::kSum);
      break;
    case Collective::kAllGather:
      comm.all_gather(in.data(), out.data(), count, type);
      break;
    case Collective::kBroadcast:
      comm.broadcast(out.data(), count, type, 0);
      break;
    case Collective::kBarrier:
      comm.barrier();
      break;
  }
}

bool check(Communicator& comm, Collective collective, std::vector<char>& in, std::vector<char>& out, std::size_t count,
           DataType type) {
  const int n = comm.size();
  const int r = comm.rank();
  const auto per_rank = count;
  switch (collective) {
    case Collective::kAllReduce:
      fill(out, type, count, r, 0);
      break;
    case Collective::kReduceScatter:
      fill(in, type, per_rank * static_cast<std::size_t>(n), r, 0);
      break;
    case Collective::kAllGather:
      fill(in, type, per_rank, r, static_cast<std::size_t>(r) * per_rank);
      break;
    case Collective::kBroadcast:
      fill(out, type, count, r, 0);
      break;
    case Collective::kBarrier:
      return true;
  }
  call(comm, collective, in, out, count, type);
  bool ok = true;
  switch (collective) {
    case Collective::kAllReduce:
      for (std::size_t i = 0; i < count && ok; ++i) ok = value_at(out, type, i) == summed(n, i);
      break;
    case Collective::kReduceScatter:
      for (std::size_t i = 0; i < per_rank && ok; ++i)
        ok = value_at(out, type, i) == summed(n, static_cast<std::size_t>(r) * per_rank + i);
      break;
    case Collective::kAllGather:
      for (std::size_t i = 0; i < per_rank * static_cast<std::size_t>(n) && ok; ++i)
        ok = value_at(out, type, i) == crafted(static_cast<int>(i / per_rank), i);
      break;
    case Collective::kBroadcast:
      for (std::size_t i = 0; i < count && ok; ++i) ok = value_at(out, type, i) == crafted(0, i);
      break;
    case Collective::kBarrier:
      break;
  }
  // Every rank must agree: a failure anywhere marks the row incorrect everywhere.
  float bad = ok ? 0.0f : 1.0f;
  comm.all_reduce(&bad, 1, DataType::kFp32, ReduceOp::kSum);
  return bad == 0.0f;
}

}  // namespace

std::vector<CommBenchmarkRow> run_comm_benchmark(Communicator& comm, const CommBenchmarkOptions& options) {
  const int n = comm.size();
  const std::size_t esize = element_size(options.type);
  std::vector<CommBenchmarkRow> rows;
  for (const Collective collective : options.collectives) {
    for (std::size_t bytes = options.min_bytes; bytes <= options.max_bytes;
         bytes *= std::max<std::size_t>(2, options.step_factor)) {
      // The payload is the large side; per-rank counts for reduce_scatter / all_gather divide it.
      const bool per_rank = collective == Collective::kReduceScatter || collective == Collective::kAllGather;
      const std::size_t count =
          std::max<std::size_t>(1, per_rank ? bytes / esize / static_cast<std::size_t>(n) : bytes / esize);
      const std::size_t large = per_rank ? count * static_cast<std::size_t>(n) : count;
      std::vector<char> in(large * esize, 0), out(large * esize, 0);
      const int iterations = bytes > (16u << 20) ? std::max(2, options.iterations / 2) : options.iterations;
      for (int i = 0; i < options.warmup_iterations; ++i) call(comm, collective, in, out, count, options.type);
      comm.barrier();
      const auto start = Clock::now();
      for (int i = 0; i < iterations; ++i) call(comm, collective, in, out, count, options.type);
      float seconds = static_cast<float>(std::chrono::duration<double>(Clock::now() - start).count() / iterations);
      // The slowest rank defines the collective's time: max via all-gather of every rank's time.
      std::vector<float> all(static_cast<std::size_t>(n));
      comm.all_gather(&seconds, all.data(), 1, DataType::kFp32);
      CommBenchmarkRow row;
      row.collective = collective;
      row.count = count;
      row.payload_bytes = payload_bytes(collective, count, options.type, n);
      row.seconds_per_call = *std::max_element(all.begin(), all.end());
      row.algbw_gbps = static_cast<double>(row.payload_bytes) / row.seconds_per_call * 1e-9;
      row.busbw_gbps = row.algbw_gbps * bus_bandwidth_factor(collective, n);
      row.correct = check(comm, collective, in, out, count, options.type);
      rows.push_back(row);
    }
  }
  return rows;
}

std::string format_comm_benchmark(const std::vector<CommBenchmarkRow>& rows, const Communicator& comm,
                                  const CommBenchmarkOptions& options) {
  std::ostringstream os;
  os << "# zlaunch bench comm: backend " << comm.backend_name() << ", " << comm.size() << " ranks, dtype "
     << to_string(options.type) << "\n# busbw = algbw * factor (nccl-tests): all_reduce 2(n-1)/n, reduce_scatter and "
     << "all_gather (n-1)/n, broadcast 1\n";
  char line[200];
  std::snprintf(line, sizeof line, "%-15s %12s %12s %12s %10s %10s %6s\n", "# collective", "size(B)", "count",
                "time(us)", "algbw", "busbw", "check");
  os << line;
  for (const auto& row : rows) {
    std::snprintf(line, sizeof line, "%-15s %12zu %12zu %12.1f %10.3f %10.3f %6s\n", to_string(row.collective),
                  row.payload_bytes, row.count, row.seconds_per_call * 1e6, row.algbw_gbps, row.busbw_gbps,
                  row.correct ? "ok" : "WRONG");
    os << line;
  }
  return os.str();
}

}  // namespace zl::comm
