// The traffic tests' shared part (engine_traffic_test.cc for fp32, engine_mixed_traffic_test.cc for
// bf16, engine_buckets_test.cc for the bucket sizes): the ZeRO paper's communication volume per optimizer
// step for the harness's model, padding included, the number of collectives that carry it, and the check
// that every rank's Communicator counted exactly that over one step.
// With Psi = padded parameters, A = accumulation micro-steps, g and p the bytes per element of gradient
// reductions and parameter all-gathers:
//   stage 0: all_reduce g Psi (unpadded); stage 1: reduce_scatter g Psi + all_gather p Psi; stage 2: as
//   stage 1 with a reduce_scatter every micro-step (A g Psi); stage 3: reduce_scatter A g Psi and
//   all_gather 2 A p Psi of the sharded layers (forward + backward) + p Psi of the persistent layers
//   (after the step) + each rank's 8-byte gather-sequence hash.
// Every stage adds one all_reduce of the step's scalars.
// Calls follow the bucket rules (docs/engine.md "Buckets"), computed here from the layer sizes alone:
//   stage 0: layers whole, in backward order, a bucket closing once it holds reduce_bucket_size elements;
//   stages 1-3 reduce_scatter (per micro-step at 2-3): bucket_sizes() of the shards in backward order
//   with reduce_bucket_size; stages 1-2 all_gather: bucket_sizes() of the shards in layer order with
//   allgather_bucket_size; stage 3 all_gather: one per sharded layer per pass, one per persistent layer,
//   one for the hash.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "world_harness.h"

namespace zl::engine::testing {

struct Volume {
  std::uint64_t calls = 0;
  std::uint64_t bytes = 0;  // payload as nccl-tests sizes it
};

struct Traffic {
  Volume all_reduce, reduce_scatter, all_gather;
};

struct TrafficBytes {
  std::uint64_t gradient = 4;   // per element of a gradient reduction
  std::uint64_t parameter = 4;  // per element of a parameter all-gather
  std::uint64_t scalars = 8;    // the step's scalar all_reduce (fp32: loss sum + gradient squares)
};

// The bucket rule of stages 1-3: shards (elements per rank, in the order they are packed) go into buckets
// of at most max(1, bucket / world) elements per rank; a shard that does not fit in the open bucket
// closes it; one larger than a bucket fills whole buckets and leaves its tail open. Returns each
// bucket's elements per rank, in order.
inline std::vector<std::int64_t> bucket_sizes(const std::vector<std::int64_t>& shards, std::int64_t bucket, int world) {
  const std::int64_t capacity = std::max<std::int64_t>(1, bucket / world);
  std::vector<std::int64_t> out;
  std::int64_t open = 0;
  for (const std::int64_t s : shards) {
    if (open > 0 && open + s > capacity) {
      out.push_back(open);
      open = 0;
    }
    open += s;
    for (; open >= capacity; open -= capacity) out.push_back(capacity);
  }
  if (open > 0) out.push_back(open);
  return out;
}

// The shard of every layer of the harness's model over `world` ranks, in layer order.
inline std::vector<std::int64_t> layer_shards(int world) {
  std::vector<std::int64_t> shards;
  for (const std::int64_t p : test_model().layer_parameter_counts()) shards.push_back((p + world - 1) / world);
  return shards;
}

// The per-rank sizes of the gradient reduce-scatter buckets (backward order: last layer first) and of the
// stage 1-2 parameter all-gather buckets (layer order).
inline std::vector<std::int64_t> reduce_buckets(const WorldConfig& c) {
  std::vector<std::int64_t> shards = layer_shards(c.world_size);
  std::reverse(shards.begin(), shards.end());
  return bucket_sizes(shards, test_training(c).zero_optimization.reduce_bucket_size, c.world_size);
}
inline std::vector<std::int64_t> gather_buckets(const WorldConfig& c) {
  return bucket_sizes(layer_shards(c.world_size), test_training(c).zero_optimization.allgather_bucket_size,
                      c.world_size);
}

inline Traffic zero_theory(const WorldConfig& c, const TrafficBytes& bytes) {
  const int world = c.world_size;
  const auto sizes = test_model().layer_parameter_counts();
  const std::int64_t threshold = 10 * test_model().n_embd;  // persistence threshold (world_harness.h)
  std::uint64_t psi = 0, padded = 0, sharded = 0, persistent = 0, sharded_layers = 0, persistent_layers = 0;
  for (const std::int64_t p : sizes) {
    const std::int64_t pad = (p + world - 1) / world * world;
    psi += static_cast<std::uint64_t>(p);
    padded += static_cast<std::uint64_t>(pad);
    (p < threshold ? persistent : sharded) += static_cast<std::uint64_t>(pad);
    ++(p < threshold ? persistent_layers : sharded_layers);
  }
  const auto a = static_cast<std::uint64_t>(c.accumulation);
  const std::uint64_t rs_calls = reduce_buckets(c).size();
  Traffic t;
  t.all_reduce = {1, bytes.scalars};
  switch (c.stage) {
    case 0: {
      const std::int64_t bucket = test_training(c).zero_optimization.reduce_bucket_size;
      std::uint64_t buckets = 0;
      std::int64_t held = 0;
      for (auto it = sizes.rbegin(); it != sizes.rend(); ++it) {
        if (buckets == 0 || held >= bucket) {
          ++buckets;
          held = 0;
        }
        held += *it;
      }
      t.all_reduce.calls += world > 1 ? buckets : 0;
      t.all_reduce.bytes += bytes.gradient * psi;
      break;
    }
    case 1:
      t.reduce_scatter = {rs_calls, bytes.gradient * padded};
      t.all_gather = {gather_buckets(c).size(), bytes.parameter * padded};
      break;
    case 2:
      t.reduce_scatter = {rs_calls * a, bytes.gradient * padded * a};
      t.all_gather = {gather_buckets(c).size(), bytes.parameter * padded};
      break;
    default:
      t.reduce_scatter = {rs_calls * a, bytes.gradient * padded * a};
      t.all_gather = {
          2 * a * sharded_layers + persistent_layers + 1,
          2 * bytes.parameter * sharded * a + bytes.parameter * persistent + 8 * static_cast<std::uint64_t>(world)};
      break;
  }
  return t;
}

// Each rank finished and the calls and payload it counted in step 3 (after the first step, in which
// stage 3 learns the layers' order of use) equal want, with no broadcast. A fatal failure returns from
// here only, so callers make this their last statement or wrap it in ASSERT_NO_FATAL_FAILURE.
inline void expect_step_traffic(const std::vector<RankRecord>& records, const Traffic& want) {
  for (std::size_t r = 0; r < records.size(); ++r) {
    ASSERT_EQ(records[r].error, "");
    const auto& before = records[r].comm_after_step.at(1);
    const auto& after = records[r].comm_after_step.at(2);
    auto expect = [&](comm::Collective c, const Volume& v, const char* name) {
      EXPECT_EQ(after.of(c).calls - before.of(c).calls, v.calls) << name << " calls, rank " << r;
      EXPECT_EQ(after.of(c).payload_bytes - before.of(c).payload_bytes, v.bytes) << name << " bytes, rank " << r;
    };
    expect(comm::Collective::kAllReduce, want.all_reduce, "all_reduce");
    expect(comm::Collective::kReduceScatter, want.reduce_scatter, "reduce_scatter");
    expect(comm::Collective::kAllGather, want.all_gather, "all_gather");
    expect(comm::Collective::kBroadcast, Volume{}, "broadcast");
  }
}

}  // namespace zl::engine::testing
