// Full padded parameters with shard updates all-gathered in place (resident_params.h).
#include "resident_params.h"

#include "precision.h"

namespace zl::engine {

using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

ResidentParams::ResidentParams(const Partition& partition, comm::Communicator& comm, runtime::Allocator& allocator,
                               DType dtype, runtime::Device device)
    : partition_(partition), comm_(comm), allocator_(allocator), device_(device), loading_(partition.layer_count()) {
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
  std::vector<comm::Work> works;
  for (std::size_t i = 0; i < padded_.size(); ++i) {
    const auto& shard = partition_.layer(i);
    const Tensor& full = padded_[i];
    works.push_back(comm_.all_gather_async(full.view(shard.owned_offset(comm_.rank()), {shard.shard}).raw(), full.raw(),
                                           static_cast<std::size_t>(shard.shard), comm_type(full.dtype())));
  }
  for (auto& w : works) w.wait();
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
