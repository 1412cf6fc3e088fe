// Full padded parameters with shard updates all-gathered in buckets (resident_params.h).
#include "resident_params.h"

#include <deque>
#include <numeric>

#include "precision.h"

namespace zl::engine {

using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

ResidentParams::ResidentParams(const Partition& partition, comm::Communicator& comm, runtime::Allocator& allocator,
                               DType dtype, runtime::Device device, std::int64_t bucket_elements)
    : partition_(partition), comm_(comm), allocator_(allocator), device_(device), loading_(partition.layer_count()) {
  std::vector<std::int64_t> shards;
  for (std::size_t i = 0; i < partition.layer_count(); ++i) shards.push_back(partition.layer(i).shard);
  std::vector<std::size_t> order(partition.layer_count());
  std::iota(order.begin(), order.end(), std::size_t{0});  // the order the next forward uses them
  plan_ = plan_buckets(shards, order, bucket_elements, comm.size());
  for (std::size_t i = 0; i < partition.layer_count(); ++i) {
    padded_.push_back(Tensor::zeros({partition.layer(i).padded}, dtype, MemoryKind::kParams, device_, allocator));
  }
}

Tensor ResidentParams::layer(std::size_t i) const { return padded_.at(i).view(0, {partition_.layer(i).size}); }

std::vector<Tensor> ResidentParams::owned() const {
  std::vector<Tensor> out;
  for (std::size_t i = 0; i < padded_.size(); ++i) {
    const auto& shard = partition_.layer(i);
    out.push_back(padded_[i].view(shard.owned_offset(comm_.rank()), {shard.shard}));
  }
  return out;
}

void ResidentParams::all_gather_owned() {
  const int world = comm_.size();
  const int rank = comm_.rank();
  std::deque<InFlight> in_flight;
  for (const Bucket& bucket : plan_) {
    while (in_flight.size() >= kMaxInFlight) {
      unpack(in_flight.front());
      in_flight.pop_front();
    }
    InFlight g{bucket, Tensor{}, comm::Work{}};
    const DType dtype = padded_.front().dtype();
    g.buffer = Tensor::empty({bucket.per_rank * world}, dtype, MemoryKind::kBuffers, device_, allocator_);
    for (const BucketSegment& s : bucket.segments) {
      bucket_piece(g.buffer, bucket.per_rank, rank, s)
          .copy_from(layer_piece(padded_[s.layer], partition_.layer(s.layer).shard, rank, s));
    }
    const Tensor mine = g.buffer.view(static_cast<std::int64_t>(rank) * bucket.per_rank, {bucket.per_rank});
    g.work =
        comm_.all_gather_async(mine.raw(), g.buffer.raw(), static_cast<std::size_t>(bucket.per_rank), comm_type(dtype));
    in_flight.push_back(std::move(g));
  }
  for (InFlight& g : in_flight) unpack(g);
}

void ResidentParams::unpack(InFlight& gathered) {
  gathered.work.wait();
  for (int r = 0; r < comm_.size(); ++r) {
    if (r == comm_.rank()) continue;
    for (const BucketSegment& s : gathered.bucket.segments) {
      layer_piece(padded_[s.layer], partition_.layer(s.layer).shard, r, s)
          .copy_from(bucket_piece(gathered.buffer, gathered.bucket.per_rank, r, s));
    }
  }
  gathered.buffer = Tensor();
}

Tensor ResidentParams::begin_load(std::size_t i) {
  loading_.at(i) = Tensor::zeros({partition_.layer(i).padded}, DType::kF32, MemoryKind::kBuffers, device_, allocator_);
  return loading_[i].view(0, {partition_.layer(i).size});
}

void ResidentParams::finish_load(std::size_t i, Tensor& master) {
  const auto& shard = partition_.layer(i);
  padded_.at(i).copy_from(loading_.at(i));
  master.copy_from(loading_[i].view(shard.owned_offset(comm_.rank()), {shard.shard}));
  loading_[i] = Tensor();
}

}  // namespace zl::engine
