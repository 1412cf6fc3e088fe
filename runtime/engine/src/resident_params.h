// ResidentParams (stages 1 and 2): every rank keeps the full parameters, padded to the partition, and
// updates only its owned shard; after the optimizer step the updated shards are all-gathered so every
// rank again holds the full, identical parameters: in layer order, in buckets of allgather_bucket_size
// elements (comm_buckets.h: small layers share a bucket, a larger layer is split over several). Each
// bucket is a rank-major buffer (MemoryKind::kBuffers, from the engine's Allocator, freed once its
// pieces are copied back into the layers), gathered in place; at most kMaxInFlight are outstanding. The
// parameters are of the working dtype (fp32, or 16-bit under mixed precision, all-gathered as such).
// Internal to the engine.
#pragma once

#include <cstdint>
#include <vector>

#include "comm_buckets.h"
#include "zl/comm/communicator.h"
#include "zl/engine/partition.h"
#include "zl/runtime/allocator.h"
#include "zl/runtime/tensor.h"

namespace zl::engine {

class ResidentParams {
 public:
  ResidentParams(const Partition& partition, comm::Communicator& comm, runtime::Allocator& allocator,
                 runtime::DType dtype, runtime::Device device, std::int64_t bucket_elements);

  [[nodiscard]] runtime::Tensor layer(std::size_t i) const;  // the unpadded full layer
  [[nodiscard]] std::vector<runtime::Tensor> owned() const;  // owned shard of every layer
  [[nodiscard]] const runtime::Tensor& padded(std::size_t i) const { return padded_.at(i); }
  void all_gather_owned();  // after the optimizer step; returns when every bucket is back in the layers

  // Loading under mixed precision (the storage's parameter-load mode): the loader writes layer i in
  // fp32 into the view begin_load returns (its unpadded elements; kBuffers); finish_load rounds it into
  // the working copy, copies this rank's shard of it into `master` (fp32, kMaster), and frees it.
  runtime::Tensor begin_load(std::size_t i);
  void finish_load(std::size_t i, runtime::Tensor& master);

 private:
  static constexpr std::size_t kMaxInFlight = 2;
  struct InFlight {
    Bucket bucket;
    runtime::Tensor buffer;
    comm::Work work;
  };
  void unpack(InFlight& gathered);

  const Partition& partition_;
  comm::Communicator& comm_;
  runtime::Allocator& allocator_;
  runtime::Device device_;
  std::vector<Bucket> plan_;              // the all-gather buckets, in layer order
  std::vector<runtime::Tensor> padded_;   // MemoryKind::kParams, padded elements per layer
  std::vector<runtime::Tensor> loading_;  // fp32 layers being loaded, by layer
};

}  // namespace zl::engine
