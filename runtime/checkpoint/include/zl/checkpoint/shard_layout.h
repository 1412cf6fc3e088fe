// Where a save puts each element (docs/checkpoints.md, "Shard files"). The layout depends only on the
// model and the saving world size W, never on the stage: rank r's file holds, for every layer i in
// order and for every kind of state in order ("master", then the optimizer's states), the elements
// [min(r*S_i, N_i), min((r+1)*S_i, N_i)) of layer i's flat buffer as fp32 little-endian, where N_i is
// the layer's size and S_i its ZeRO shard (engine::Partition). At stages 1-3 that is exactly what the
// rank owns; at stage 0 (every rank holds everything) it spreads the writing evenly over the ranks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zl/checkpoint/manifest.h"
#include "zl/engine/partition.h"
#include "zl/runtime/gpt2_model.h"

namespace zl::checkpoint {

// One contiguous run of a rank's file: elements [begin, end) of layer `layer`, kind index `kind`.
struct ShardBlock {
  std::size_t layer = 0;
  std::size_t kind = 0;
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::uint64_t byte_offset = 0;
};

// The elements of layer i that rank r saves: [min(r*S, N), min((r+1)*S, N)).
[[nodiscard]] std::pair<std::int64_t, std::int64_t> saved_range(const engine::Partition& partition, std::size_t layer,
                                                                int rank);

// Rank `rank`'s blocks, in file order.
[[nodiscard]] std::vector<ShardBlock> shard_blocks(const engine::Partition& partition, int rank, std::size_t kinds);

// The model's tensors (names, layers, offsets, shapes) in layer order, with every kind's pieces under
// the layout above; returns them and sets file_bytes[r] to the size of rank r's file.
[[nodiscard]] std::vector<TensorRecord> layout_tensors(const runtime::Gpt2Model& model,
                                                       const engine::Partition& partition,
                                                       const std::vector<std::string>& kinds,
                                                       std::vector<std::uint64_t>& file_bytes);

}  // namespace zl::checkpoint
