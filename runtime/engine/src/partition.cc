// Per-layer padding (the rule in zl/config/zero_layout.h) and even split (partition.h).
#include "zl/engine/partition.h"

#include "zl/base/check.h"
#include "zl/config/zero_layout.h"

namespace zl::engine {

Partition::Partition(const std::vector<std::int64_t>& layer_sizes, int world_size) : world_size_(world_size) {
  ZL_CHECK(world_size >= 1, "world size " << world_size);
  for (const std::int64_t size : layer_sizes) {
    const std::int64_t padded = config::padded_layer_size(size, world_size);
    layers_.push_back(LayerShard{size, padded, padded / world_size});
  }
}

std::int64_t Partition::total() const {
  std::int64_t sum = 0;
  for (const auto& l : layers_) sum += l.size;
  return sum;
}

std::int64_t Partition::padded_total() const {
  std::int64_t sum = 0;
  for (const auto& l : layers_) sum += l.padded;
  return sum;
}

std::int64_t Partition::shard_total() const { return padded_total() / world_size_; }

}  // namespace zl::engine
