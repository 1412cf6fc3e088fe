// ZeroStorage: the ZeRO stages as implementations of the runtime's parameter-storage seam
// (runtime/include/zl/runtime/parameter_storage.h). The model's forward and backward are the same at
// every stage; only where parameters and gradients live, and when ranks communicate, differ
// (DESIGN.md §4 table):
//   stage 0: full params, full grads all-reduced in buckets (reduce_bucket_size) during the last
//            backward of the accumulation, full optimizer state.
//   stage 1: full (padded) params and grads; grads reduce-scattered at the accumulation boundary;
//            optimizer state for the owned shard; updated shards all-gathered after the step.
//   stage 2: full params; each layer's gradient joins a reduce-scatter bucket as soon as its backward is
//            done, in every micro-step, and its full buffer is released once it is sent.
//   stage 3: owned parameter shards; a layer is all-gathered just before use (the next ones prefetched)
//            and released after; layers below stage3_param_persistence_threshold stay whole; gradients
//            as at stage 2.
// Buckets (stages 1-3, docs/engine.md): gradient reduce-scatters carry at most reduce_bucket_size
// elements each and the stage 1-2 parameter all-gathers at most allgather_bucket_size: consecutive
// layers (in the order their gradients become ready, resp. layer order) share a bucket while they fit, a
// layer larger than a bucket is split over several; each bucket is one collective over a rank-major
// buffer (MemoryKind::kBuffers) that is freed after use. The bytes communicated do not depend on the
// bucket sizes, only the number of collectives.
//
// The engine drives a step as: begin_step(); per micro-step: begin_forward(), model forward,
// begin_backward(last), model backward, end_backward(); reduce_at_boundary(); optimizer on
// owned_params()/owned_grads(); after_optimizer_step(). Outside a step (evaluation, generation,
// reading parameters) acquire/release work at every stage; stage 3 then gathers each layer on demand.
// Single-threaded use (the training thread); communication runs on the Communicator's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "zl/comm/communicator.h"
#include "zl/config/resolved_config.h"
#include "zl/engine/partition.h"
#include "zl/runtime/allocator.h"
#include "zl/runtime/parameter_storage.h"
#include "zl/runtime/tensor.h"

namespace zl::engine {

struct ZeroOptions {
  // The resolved zero_optimization block (its defaults are DeepSpeed's, written once in
  // resolved_config.h). What the stages read: stage, overlap_comm, reduce_bucket_size and
  // allgather_bucket_size (elements, as DeepSpeed counts; the all-gather size at stages 1-2 only),
  // stage3_prefetch_bucket_size (elements gathered ahead of use),
  // stage3_param_persistence_threshold, stage3_max_live_parameters, stage3_max_reuse_distance. The
  // offload devices are read by the Engine, which sets offload_params / offload_master below.
  config::ZeroSettings zero;
  // Mixed precision (docs/engine.md): the dtype of the working parameters and gradients, and of the
  // gradient reductions (communication_data_type). fp32/fp32 is plain fp32 training. With a 16-bit
  // working dtype, owned_params() are the fp32 master weights of the owned shard (MemoryKind::kMaster)
  // and owned_grads() fresh fp32 widenings of the owned 16-bit gradients (kBuffers, freed with them).
  runtime::DType working = runtime::DType::kF32;
  runtime::DType reduce = runtime::DType::kF32;
  // Where parameters, gradients, optimizer states and communication buffers live (the model's device).
  // Device::kCuda needs a Communicator over device buffers (NCCL).
  runtime::Device device = runtime::Device::kCpu;
  // Stage 3 on the GPU with offload_param: the non-persistent parameter shards live in pinned host
  // memory and are copied up just before their all-gather.
  bool offload_params = false;
  // Mixed precision on the GPU with offload_optimizer: the fp32 master weights of the owned shard live
  // in pinned host memory (where the offloaded optimizer updates them), not on the device.
  bool offload_master = false;
};

class ZeroStorage : public runtime::ParameterStorage {
 public:
  [[nodiscard]] virtual int stage() const = 0;
  virtual void begin_step() = 0;
  virtual void begin_forward() {}
  virtual void begin_backward(bool last_micro_step) = 0;
  virtual void end_backward() = 0;
  virtual void reduce_at_boundary() {}
  // What the optimizer updates on this rank (fp32), pairwise: owned_params()[k] is updated from owned_grads()[k].
  virtual std::vector<runtime::Tensor> owned_params() = 0;
  virtual std::vector<runtime::Tensor> owned_grads() = 0;
  // True when every rank holds the same full, reduced gradients (stage 0): the norm is then computed
  // locally; otherwise each rank's owned part contributes and the squares are summed across ranks.
  [[nodiscard]] virtual bool grads_replicated() const { return false; }
  // After the optimizer updated owned_params() (and after a checkpoint load): under mixed precision the
  // master weights are first rounded into the owned part of the working parameters; then the stage
  // gathers what it keeps whole. Not called for a skipped step.
  virtual void after_optimizer_step() = 0;
  // Loading parameters (initialization, --init_from, checkpoints) happens between these calls on every
  // rank: acquire(i) returns the full layer to write into, release(i) keeps what this rank stores.
  virtual void begin_parameter_load() {}
  virtual void end_parameter_load() {}
  // Stage 3: fails with a clear error when the ranks gathered layers in different orders this step.
  virtual void verify_gather_sequence() {}
  // Persistent parameter elements (stage 3 persistence threshold); 0 at other stages.
  [[nodiscard]] virtual std::int64_t persistent_elements() const { return 0; }
};

std::unique_ptr<ZeroStorage> make_zero_storage(const Partition& partition, comm::Communicator& comm,
                                               const ZeroOptions& options, runtime::Allocator& allocator);

}  // namespace zl::engine
