// Partition: the one partition every ZeRO stage uses (DESIGN.md §4). Each layer's flat parameter
// buffer of `size` elements is padded to a multiple of the world size and split evenly: rank r owns
// elements [r*shard, (r+1)*shard) of the padded buffer. Padding elements are zero in parameters and
// gradients and stay zero through every optimizer update (no divisibility requirement on the model).
#pragma once

#include <cstdint>
#include <vector>

namespace zl::engine {

struct LayerShard {
  std::int64_t size = 0;    // parameters of the layer
  std::int64_t padded = 0;  // size rounded up to a multiple of the world size
  std::int64_t shard = 0;   // padded / world size: elements each rank owns

  [[nodiscard]] std::int64_t owned_offset(int rank) const { return static_cast<std::int64_t>(rank) * shard; }
};

class Partition {
 public:
  Partition(const std::vector<std::int64_t>& layer_sizes, int world_size);

  [[nodiscard]] int world_size() const { return world_size_; }
  [[nodiscard]] std::size_t layer_count() const { return layers_.size(); }
  [[nodiscard]] const LayerShard& layer(std::size_t i) const { return layers_.at(i); }
  [[nodiscard]] std::int64_t total() const;         // Psi
  [[nodiscard]] std::int64_t padded_total() const;  // sum of padded sizes
  [[nodiscard]] std::int64_t shard_total() const;   // sum of shards = padded_total / world size

 private:
  int world_size_;
  std::vector<LayerShard> layers_;
};

}  // namespace zl::engine
