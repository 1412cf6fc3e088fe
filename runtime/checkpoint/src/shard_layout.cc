// The shard-file layout of a save (zl/checkpoint/shard_layout.h).
#include "zl/checkpoint/shard_layout.h"

#include <algorithm>

namespace zl::checkpoint {

std::pair<std::int64_t, std::int64_t> saved_range(const engine::Partition& partition, std::size_t layer, int rank) {
  const engine::LayerShard& s = partition.layer(layer);
  return {std::min(s.owned_offset(rank), s.size), std::min(s.owned_offset(rank) + s.shard, s.size)};
}

std::vector<ShardBlock> shard_blocks(const engine::Partition& partition, int rank, std::size_t kinds) {
  std::vector<ShardBlock> out;
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < partition.layer_count(); ++i) {
    const auto [begin, end] = saved_range(partition, i, rank);
    for (std::size_t k = 0; k < kinds; ++k) {
      out.push_back(ShardBlock{i, k, begin, end, offset});
      offset += static_cast<std::uint64_t>(end - begin) * sizeof(float);
    }
  }
  return out;
}

std::vector<TensorRecord> layout_tensors(const runtime::Gpt2Model& model, const engine::Partition& partition,
                                         const std::vector<std::string>& kinds,
                                         std::vector<std::uint64_t>& file_bytes) {
  const int world = partition.world_size();
  std::vector<std::vector<ShardBlock>> blocks;
  file_bytes.assign(static_cast<std::size_t>(world), 0);
  for (int r = 0; r < world; ++r) {
    blocks.push_back(shard_blocks(partition, r, kinds.size()));
    for (const auto& b : blocks.back()) {
      file_bytes[static_cast<std::size_t>(r)] += static_cast<std::uint64_t>(b.end - b.begin) * sizeof(float);
    }
  }
  std::vector<TensorRecord> tensors;
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const runtime::Layer& layer = model.layer(i);
    for (const auto& spec : layer.parameters()) {
      TensorRecord t;
      t.name = layer.name() + spec.name;
      t.layer = i;
      t.layer_offset = spec.offset;
      t.shape = spec.shape;
      const std::int64_t lo = spec.offset;
      const std::int64_t hi = spec.offset + t.numel();
      for (std::size_t k = 0; k < kinds.size(); ++k) {
        auto& pieces = t.locations[kinds[k]];
        for (int r = 0; r < world; ++r) {
          const ShardBlock& b = blocks[static_cast<std::size_t>(r)][i * kinds.size() + k];
          const std::int64_t begin = std::max(lo, b.begin);
          const std::int64_t end = std::min(hi, b.end);
          if (end <= begin) continue;
          pieces.push_back(Piece{r, b.byte_offset + static_cast<std::uint64_t>(begin - b.begin) * sizeof(float),
                                 begin - lo, end - lo});
        }
      }
      tensors.push_back(std::move(t));
    }
  }
  return tensors;
}

}  // namespace zl::checkpoint
