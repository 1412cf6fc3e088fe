// The traffic tests' shared part (engine_traffic_test.cc for fp32, engine_mixed_traffic_test.cc for
// bf16): the ZeRO paper's communication volume per optimizer step for the harness's model, padding
// included, and the check that every rank's Communicator counted exactly that over one step.
// With Psi = padded parameters, A = accumulation micro-steps, g and p the bytes per element of gradient
// reductions and parameter all-gathers:
//   stage 0: all_reduce g Psi (unpadded); stage 1: reduce_scatter g Psi + all_gather p Psi; stage 2: as
//   stage 1 with a reduce_scatter every micro-step (A g Psi); stage 3: reduce_scatter A g Psi and
//   all_gather 2 A p Psi of the sharded layers (forward + backward) + p Psi of the persistent layers
//   (after the step) + each rank's 8-byte gather-sequence hash.
// Every stage adds one all_reduce of the step's scalars.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "world_harness.h"

namespace zl::engine::testing {

struct Traffic {
  std::uint64_t all_reduce = 0, reduce_scatter = 0, all_gather = 0;
};

struct TrafficBytes {
  std::uint64_t gradient = 4;   // per element of a gradient reduction
  std::uint64_t parameter = 4;  // per element of a parameter all-gather
  std::uint64_t scalars = 8;    // the step's scalar all_reduce (fp32: loss sum + gradient squares)
};

inline Traffic zero_theory(int stage, int world, int accumulation, const TrafficBytes& bytes) {
  const auto sizes = test_model().layer_parameter_counts();
  const std::int64_t threshold = 10 * test_model().n_embd;  // persistence threshold (world_harness.h)
  std::uint64_t psi = 0, padded = 0, sharded = 0, persistent = 0;
  for (const std::int64_t p : sizes) {
    const std::int64_t pad = (p + world - 1) / world * world;
    psi += static_cast<std::uint64_t>(p);
    padded += static_cast<std::uint64_t>(pad);
    (p < threshold ? persistent : sharded) += static_cast<std::uint64_t>(pad);
  }
  const auto a = static_cast<std::uint64_t>(accumulation);
  Traffic t;
  t.all_reduce = bytes.scalars;
  switch (stage) {
    case 0:
      t.all_reduce += bytes.gradient * psi;
      break;
    case 1:
      t.reduce_scatter = bytes.gradient * padded;
      t.all_gather = bytes.parameter * padded;
      break;
    case 2:
      t.reduce_scatter = bytes.gradient * padded * a;
      t.all_gather = bytes.parameter * padded;
      break;
    default:
      t.reduce_scatter = bytes.gradient * padded * a;
      t.all_gather =
          2 * bytes.parameter * sharded * a + bytes.parameter * persistent + 8 * static_cast<std::uint64_t>(world);
      break;
  }
  return t;
}

// Each rank finished and the payload it counted in step 3 (after the first step, in which stage 3
// learns the layers' order of use) equals want, with no broadcast. A fatal failure returns from here
// only, so callers make this their last statement or wrap it in ASSERT_NO_FATAL_FAILURE.
inline void expect_step_traffic(const std::vector<RankRecord>& records, const Traffic& want) {
  for (std::size_t r = 0; r < records.size(); ++r) {
    ASSERT_EQ(records[r].error, "");
    const auto& before = records[r].comm_after_step.at(1);
    const auto& after = records[r].comm_after_step.at(2);
    auto delta = [&](comm::Collective c) { return after.of(c).payload_bytes - before.of(c).payload_bytes; };
    EXPECT_EQ(delta(comm::Collective::kAllReduce), want.all_reduce) << "rank " << r;
    EXPECT_EQ(delta(comm::Collective::kReduceScatter), want.reduce_scatter) << "rank " << r;
    EXPECT_EQ(delta(comm::Collective::kAllGather), want.all_gather) << "rank " << r;
    EXPECT_EQ(delta(comm::Collective::kBroadcast), 0u) << "rank " << r;
  }
}

}  // namespace zl::engine::testing
