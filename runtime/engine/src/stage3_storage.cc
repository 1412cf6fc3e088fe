// Stage 3: each rank stores only its shard of every layer's parameters. acquire(i) all-gathers layer i
// into a transient full buffer (MemoryKind::kBuffers), release(i) frees it, so at most the layers in
// use plus those prefetched are ever whole. Gradients go through ShardedGradients as at stage 2 (reduce-scattered
// in buckets of reduce_bucket_size elements); parameter gathering is governed by the stage3_* settings, not by
// allgather_bucket_size.
//
// Order of use: the first optimizer step records which layers each pass (forward, backward) acquires;
// later steps use that trace to (1) prefetch the next layers up to stage3_prefetch_bucket_size
// elements (never exceeding stage3_max_live_parameters gathered elements), and (2) keep a released
// layer whole when the same pass acquires it again within stage3_max_reuse_distance elements (a tied
// embedding is then gathered once per pass, not twice). Every pass ends with nothing gathered, so
// each layer is all-gathered once in forward and once in backward: 2 Psi, plus the reduce-scatter Psi.
// Layers smaller than stage3_param_persistence_threshold stay whole on every rank (persistent).
// offload_param (GPU): the non-persistent shards are stored in host memory (pinned with pin_memory) and copied up into
// their place in the gather buffer before the in-place all-gather.
// Mixed precision: the stored shards (and persistent layers) and the gathers are 16-bit; a gathered
// layer is widened to fp32 for the kernels; fp32 master weights of the owned shard (precision.h).
//
// Safety: all ranks must acquire layers in the same order. A running hash of the sequence is compared
// across ranks after every step (verify_gather_sequence); a mismatch is an error naming the ranks.
#include <algorithm>

#include "precision.h"
#include "sharded_gradients.h"
#include "stages.h"
#include "zl/base/check.h"
#include "zl/base/error.h"

namespace zl::engine {
namespace {

using runtime::DType;
using runtime::MemoryKind;
using runtime::Tensor;

class Stage3Storage final : public ZeroStorage {
 public:
  Stage3Storage(const Partition& partition, comm::Communicator& comm, const ZeroOptions& options,
                runtime::Allocator& allocator)
      : partition_(partition),
        comm_(comm),
        options_(options),
        allocator_(allocator),
        mixed_(options.working != DType::kF32),
        grads_(partition, comm, allocator, options),
        live_(partition.layer_count()),
        wide_(partition.layer_count(), allocator) {
    for (std::size_t i = 0; i < partition.layer_count(); ++i) {
      const auto& layer = partition.layer(i);
      const bool persistent = layer.size < options.zero.stage3_param_persistence_threshold;
      persistent_.push_back(persistent);
      // offload_param: the shard in host memory, pinned with offload_param.pin_memory (persistent layers stay whole on
      // the device).
      stored_.push_back(options.offload_params && !persistent
                            ? Tensor::host_zeros({layer.shard}, options.working, MemoryKind::kParams,
                                                 options.zero.offload_param.pin_memory, allocator)
                            : Tensor::zeros({persistent ? layer.padded : layer.shard}, options.working,
                                            MemoryKind::kParams, options_.device, allocator));
      if (mixed_) master_.push_back(master_weights(layer.shard, options, allocator));
      if (persistent) persistent_elements_ += layer.padded;
    }
  }

  [[nodiscard]] int stage() const override { return 3; }
  [[nodiscard]] std::size_t layer_count() const override { return stored_.size(); }
  [[nodiscard]] std::int64_t persistent_elements() const override { return persistent_elements_; }

  Tensor acquire(std::size_t layer) override {
    const auto& shard = partition_.layer(layer);
    Live& live = live_.at(layer);
    if (mixed_ && loading_) {  // every layer, persistent or not, is loaded through an fp32 buffer
      live.full = Tensor::zeros({shard.padded}, DType::kF32, MemoryKind::kBuffers, options_.device, allocator_);
      live.refs = 1;
      return live.full.view(0, {shard.size});
    }
    if (persistent_.at(layer)) {
      return mixed_ ? wide_.acquire(layer, stored_[layer].view(0, {shard.size})) : stored_[layer].view(0, {shard.size});
    }
    if (loading_) {
      live.full = Tensor::zeros({shard.padded}, DType::kF32, MemoryKind::kBuffers, options_.device, allocator_);
      live.refs = 1;
      return live.full.view(0, {shard.size});
    }
    sequence_hash_ = (sequence_hash_ ^ (layer + 0x9e3779b97f4a7c15ULL)) * 0x100000001b3ULL;
    current_trace_.push_back(layer);
    if (!live.full.defined()) start_gather(layer);
    if (live.in_flight) {
      live.work.wait();
      live.in_flight = false;
    }
    ++live.refs;
    prefetch_after(current_trace_.size());
    if (mixed_) {
      if (!live.wide.defined()) live.wide = widened(live.full.view(0, {shard.size}), MemoryKind::kBuffers, allocator_);
      return live.wide;
    }
    return live.full.view(0, {shard.size});
  }

  void release(std::size_t layer) override {
    if (mixed_ && loading_) {
      const auto& shard = partition_.layer(layer);
      const Tensor& full = live_.at(layer).full;
      stored_[layer].copy_from(persistent_[layer] ? full : full.view(shard.owned_offset(comm_.rank()), {shard.shard}));
      master_.at(layer).copy_from(full.view(shard.owned_offset(comm_.rank()), {shard.shard}));
      live_[layer] = Live{};
      return;
    }
    if (persistent_.at(layer)) {
      if (mixed_) wide_.release(layer);
      return;
    }
    Live& live = live_.at(layer);
    ZL_CHECK(live.refs > 0, "layer " << layer << " released more often than acquired");
    if (loading_) {
      const auto& shard = partition_.layer(layer);
      stored_[layer].copy_from(live.full.view(shard.owned_offset(comm_.rank()), {shard.shard}));
      free_layer(layer);
      return;
    }
    if (--live.refs == 0 && !reused_soon(layer)) free_layer(layer);
  }

  Tensor grads(std::size_t layer) override { return grads_.full(layer); }
  void grads_ready(std::size_t layer) override { grads_.ready(layer); }

  void begin_step() override { grads_.zero_owned(); }
  void begin_forward() override { begin_pass(kForward); }
  void begin_backward(bool /*last_micro_step*/) override { begin_pass(kBackward); }
  void end_backward() override {
    grads_.drain();
    begin_pass(kNone);
  }

  std::vector<Tensor> owned_params() override {
    if (mixed_) return master_;
    return owned_working();
  }

  // The owned shard of the stored (working) parameters of every layer.
  std::vector<Tensor> owned_working() {
    std::vector<Tensor> out;
    for (std::size_t i = 0; i < stored_.size(); ++i) {
      const auto& shard = partition_.layer(i);
      out.push_back(persistent_[i] ? stored_[i].view(shard.owned_offset(comm_.rank()), {shard.shard}) : stored_[i]);
    }
    return out;
  }

  std::vector<Tensor> owned_grads() override {
    std::vector<Tensor> out;
    for (std::size_t i = 0; i < stored_.size(); ++i) {
      out.push_back(mixed_ ? widened(grads_.owned(i), MemoryKind::kBuffers, allocator_) : grads_.owned(i));
    }
    return out;
  }

  void after_optimizer_step() override {
    if (mixed_) {
      const std::vector<Tensor> owned = owned_working();
      for (std::size_t i = 0; i < owned.size(); ++i) owned[i].copy_from(master_[i]);
    }
    // Persistent layers are whole on every rank: their updated shards are all-gathered as at stage 2.
    std::vector<comm::Work> works;
    for (std::size_t i = 0; i < stored_.size(); ++i) {
      if (!persistent_[i]) continue;
      const auto& shard = partition_.layer(i);
      const Tensor& full = stored_[i];
      works.push_back(comm_.all_gather_async(full.view(shard.owned_offset(comm_.rank()), {shard.shard}).raw(),
                                             full.raw(), static_cast<std::size_t>(shard.shard),
                                             comm_type(full.dtype())));
    }
    for (auto& w : works) w.wait();
  }

  void begin_parameter_load() override {
    begin_pass(kNone);
    loading_ = true;
  }
  void end_parameter_load() override { loading_ = false; }

  void verify_gather_sequence() override {
    std::uint64_t mine = sequence_hash_;
    std::vector<std::uint64_t> all(static_cast<std::size_t>(comm_.size()));
    // Raw 64-bit values travel as two fp32 "elements": all-gather copies bits, it never does arithmetic.
    comm_.all_gather(&mine, all.data(), 2, comm::DataType::kFp32);
    sequence_hash_ = 0;
    for (std::size_t r = 0; r < all.size(); ++r) {
      if (all[r] != all[0]) {
        throw Error("ZeRO stage 3: rank " + std::to_string(r) +
                    " gathered model layers in a different order than rank 0 "
                    "during this step; every rank must run the same layers in the same order (the same model, and "
                    "no rank-dependent control flow in forward or backward)");
      }
    }
  }

 private:
  enum Pass { kNone = -1, kForward = 0, kBackward = 1 };
  struct Live {
    Tensor full;
    Tensor wide;  // mixed precision: full widened to fp32 for the kernels
    int refs = 0;
    bool in_flight = false;
    comm::Work work;
  };

  void start_gather(std::size_t layer) {
    const auto& shard = partition_.layer(layer);
    Live& live = live_[layer];
    live.full =
        Tensor::empty({shard.padded}, stored_[layer].dtype(), MemoryKind::kBuffers, options_.device, allocator_);
    const void* mine = stored_[layer].raw();
    if (stored_[layer].device() != options_.device) {  // an offloaded shard: up first, then gathered in place
      const Tensor up = live.full.view(shard.owned_offset(comm_.rank()), {shard.shard});
      up.copy_from(stored_[layer]);
      mine = up.raw();
    }
    live.work = comm_.all_gather_async(mine, live.full.raw(), static_cast<std::size_t>(shard.shard),
                                       comm_type(stored_[layer].dtype()));
    live.in_flight = true;
    live_elements_ += shard.padded;
  }

  void free_layer(std::size_t layer) {
    Live& live = live_[layer];
    if (live.in_flight) live.work.wait();
    if (live.full.defined() && !loading_) live_elements_ -= partition_.layer(layer).padded;
    live = Live{};
  }

  // With a recorded trace: gather the layers this pass uses next, up to the prefetch budget.
  void prefetch_after(std::size_t position) {
    if (pass_ == kNone || !traced_ || options_.zero.stage3_prefetch_bucket_size <= 0) return;
    const auto& trace = trace_[pass_];
    std::int64_t budget = options_.zero.stage3_prefetch_bucket_size;
    for (std::size_t k = position; k < trace.size() && budget > 0; ++k) {
      const std::size_t next = trace[k];
      if (persistent_[next] || live_[next].full.defined()) continue;
      const std::int64_t elements = partition_.layer(next).padded;
      if (live_elements_ + elements > options_.zero.stage3_max_live_parameters) break;
      start_gather(next);
      budget -= elements;
    }
  }

  // Whether this pass acquires `layer` again, with at most max_reuse_distance elements acquired in
  // between (per the recorded trace).
  bool reused_soon(std::size_t layer) const {
    if (pass_ == kNone || !traced_) return false;
    const auto& trace = trace_[pass_];
    std::int64_t distance = 0;
    for (std::size_t k = current_trace_.size(); k < trace.size(); ++k) {
      if (trace[k] == layer) return true;
      distance += partition_.layer(trace[k]).size;
      if (distance > options_.zero.stage3_max_reuse_distance) return false;
    }
    return false;
  }

  void begin_pass(Pass next) {
    if (pass_ != kNone && !traced_) trace_[pass_] = current_trace_;
    if (pass_ == kBackward && !trace_[kForward].empty()) traced_ = true;
    for (std::size_t i = 0; i < live_.size(); ++i) {
      if (live_[i].full.defined()) free_layer(i);
    }
    current_trace_.clear();
    pass_ = next;
  }

  const Partition& partition_;
  comm::Communicator& comm_;
  ZeroOptions options_;
  runtime::Allocator& allocator_;
  bool mixed_;
  ShardedGradients grads_;
  std::vector<bool> persistent_;
  std::vector<Tensor> stored_;  // owned shard, or the padded full layer when persistent (kParams)
  std::vector<Live> live_;
  std::vector<Tensor> master_;  // mixed precision: fp32 master weights of the owned shard (kMaster)
  WideViews wide_;              // mixed precision: fp32 copies of acquired persistent layers
  std::int64_t persistent_elements_ = 0;
  std::int64_t live_elements_ = 0;
  bool loading_ = false;
  Pass pass_ = kNone;
  bool traced_ = false;
  std::vector<std::size_t> trace_[2];
  std::vector<std::size_t> current_trace_;
  std::uint64_t sequence_hash_ = 0;
};

}  // namespace

std::unique_ptr<ZeroStorage> make_stage3_storage(const Partition& partition, comm::Communicator& comm,
                                                 const ZeroOptions& options, runtime::Allocator& allocator) {
  return std::make_unique<Stage3Storage>(partition, comm, options, allocator);
}

}  // namespace zl::engine
