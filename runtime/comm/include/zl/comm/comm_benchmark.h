// The collective benchmark behind `zlaunch bench comm`, in the manner of nccl-tests: for each
// collective and message size, the time per call (the slowest rank's, averaged over iterations),
// algorithm bandwidth (payload / time) and bus bandwidth (algbw * nccl-tests factor, types.h), and an
// exactness check of the result with crafted inputs. Every rank calls it collectively; every rank
// gets the same rows.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "zl/comm/communicator.h"

namespace zl::comm {

struct CommBenchmarkOptions {
  std::vector<Collective> collectives = {Collective::kAllReduce, Collective::kReduceScatter, Collective::kAllGather,
                                         Collective::kBroadcast};
  std::size_t min_bytes = 1024;  // payload sizes: min_bytes, x step_factor, ..., max_bytes
  std::size_t max_bytes = 256u << 20;
  std::size_t step_factor = 4;
  DataType type = DataType::kFp32;
  int warmup_iterations = 2;
  int iterations = 10;  // per size; halved (down to 2) above 16 MiB to bound run time
};

struct CommBenchmarkRow {
  Collective collective = Collective::kAllReduce;
  std::size_t payload_bytes = 0;  // as nccl-tests sizes it (types.h)
  std::size_t count = 0;          // elements per call argument (per rank for rs/ag)
  double seconds_per_call = 0.0;  // slowest rank
  double algbw_gbps = 0.0;        // GB/s, 1e9 bytes
  double busbw_gbps = 0.0;
  bool correct = false;  // crafted-input result matched exactly on every rank
};

std::vector<CommBenchmarkRow> run_comm_benchmark(Communicator& comm, const CommBenchmarkOptions& options);

// nccl-tests-like table, one line per row.
std::string format_comm_benchmark(const std::vector<CommBenchmarkRow>& rows, const Communicator& comm,
                                  const CommBenchmarkOptions& options);

}  // namespace zl::comm
