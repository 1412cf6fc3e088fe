// Replay of the ZeRO engine's buffer allocations (buffer_replay.h). Every class below mirrors one engine
// class, method for method, holding byte counts where the engine holds tensors; a comment names the
// engine code each rule follows. What the engine allocates as another kind (parameters, gradients,
// master weights, optimizer states) or only views is not replayed.
#include "buffer_replay.h"

#include <deque>
#include <memory>
#include <numeric>

#include "zl/base/error.h"
#include "zl/config/zero_layout.h"

namespace zl::config {
namespace {

constexpr std::int64_t kFp32 = 4;
constexpr std::int64_t kMaxCollectivesPerStep = 10000000;

class Ledger;

// One replayed allocation (runtime::Block): its bytes count until the last holder lets go of it.
class Block {
 public:
  Block(Ledger& ledger, std::int64_t bytes, BufferUse use) : ledger_(ledger), bytes_(bytes), use_(use) {}
  ~Block();
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;
  [[nodiscard]] std::int64_t bytes() const { return bytes_; }
  [[nodiscard]] BufferUse use() const { return use_; }

 private:
  Ledger& ledger_;
  std::int64_t bytes_;
  BufferUse use_;
};

// A replayed tensor: shares its block as a Tensor does (null = an undefined tensor, or a view of memory
// of another kind).
using Slot = std::shared_ptr<Block>;

// The accounting allocator's kBuffers counter for one rank (runtime/src/allocator.cc): current bytes and
// the peak, with what was alive at the peak and where the replay was. Outlives every Block it counts.
class Ledger {
 public:
  // Like assigning a new tensor: the new block is counted before the old one (if any) is released.
  void hold(Slot& slot, std::int64_t bytes, BufferUse use) {
    Slot fresh = std::make_shared<Block>(*this, bytes, use);
    current_ += bytes;
    parts_[static_cast<std::size_t>(use)] += bytes;
    if (current_ > peak_.bytes) {
      peak_.bytes = current_;
      peak_.parts = parts_;
      peak_.when = where_;
    }
    slot = std::move(fresh);
  }
  static void drop(Slot& slot) { slot.reset(); }
  void released(const Block& block) {
    current_ -= block.bytes();
    parts_[static_cast<std::size_t>(block.use())] -= block.bytes();
  }
  void at(std::string where) { where_ = std::move(where); }
  [[nodiscard]] const BufferPeak& peak() const { return peak_; }

 private:
  std::int64_t current_ = 0;
  std::array<std::int64_t, kBufferUseCount> parts_{};
  BufferPeak peak_;
  std::string where_;
};

Block::~Block() { ledger_.released(*this); }

// Partition (runtime/engine/include/zl/engine/partition.h): per layer size, padded and shard.
struct Layout {
  int world = 1;
  std::vector<std::int64_t> size, padded, shard;

  Layout(const std::vector<std::int64_t>& sizes, int world_size) : world(world_size), size(sizes) {
    for (const std::int64_t n : sizes) {
      padded.push_back(padded_layer_size(n, world_size));
      shard.push_back(padded.back() / world_size);
    }
  }
  [[nodiscard]] std::size_t layers() const { return size.size(); }
};

// WideViews (runtime/engine/src/precision.cc): an fp32 copy of a 16-bit layer per acquired layer,
// reference-counted.
class WideViewsReplay {
 public:
  WideViewsReplay(Ledger& ledger, const Layout& layout)
      : ledger_(ledger), layout_(layout), views_(layout.layers()), refs_(layout.layers(), 0) {}
  Slot acquire(std::size_t i) {
    if (refs_[i]++ == 0) ledger_.hold(views_[i], layout_.size[i] * kFp32, BufferUse::kFp32Copy);
    return views_[i];
  }
  void release(std::size_t i) {
    if (--refs_[i] == 0) Ledger::drop(views_[i]);
  }

 private:
  Ledger& ledger_;
  const Layout& layout_;
  std::vector<Slot> views_;
  std::vector<int> refs_;
};

// GradientBuckets (runtime/engine/src/gradient_buckets.cc): layers join the open bucket of the packing
// rule as their gradients are added; launch() first completes the oldest buckets while max_in_flight
// are outstanding, then allocates the bucket's buffer (reduce dtype) and drops each source whose last
// piece it took; with max_in_flight 0 the bucket completes at once. Completing frees the buffer.
class GradientBucketsReplay {
 public:
  GradientBucketsReplay(Ledger& ledger, const Layout& layout, std::int64_t bucket_elements, std::int64_t reduce_bytes,
                        std::size_t max_in_flight)
      : ledger_(ledger),
        layout_(layout),
        reduce_bytes_(reduce_bytes),
        max_in_flight_(max_in_flight),
        packer_(bucket_elements, layout.world),
        sources_(layout.layers()),
        unsent_(layout.layers(), 0) {}

  // `source`: the layer's full gradient when it is a buffer (stages 2-3), an empty slot when it is a
  // view of the gradients (stage 1).
  void add(std::size_t layer, Slot source) {
    sources_[layer] = std::move(source);
    unsent_[layer] = layout_.shard[layer];
    for (Bucket& bucket : packer_.add(layer, layout_.shard[layer])) launch(bucket);
  }
  void drain() {
    const Bucket last = packer_.close();
    if (last.per_rank > 0) launch(last);
    while (!in_flight_.empty()) complete_oldest();
  }

 private:
  void launch(const Bucket& bucket) {
    while (!in_flight_.empty() && in_flight_.size() >= max_in_flight_) complete_oldest();
    Slot buffer;
    ledger_.hold(buffer, bucket.per_rank * layout_.world * reduce_bytes_, BufferUse::kReduceBucket);
    for (const BucketSegment& s : bucket.segments) {
      if ((unsent_[s.layer] -= s.count) == 0) Ledger::drop(sources_[s.layer]);
    }
    in_flight_.push_back(std::move(buffer));
    if (max_in_flight_ == 0) complete_oldest();
  }
  void complete_oldest() {
    Ledger::drop(in_flight_.front());
    in_flight_.pop_front();
  }

  Ledger& ledger_;
  const Layout& layout_;
  std::int64_t reduce_bytes_;
  std::size_t max_in_flight_;
  BucketPacker packer_;
  std::vector<Slot> sources_;
  std::vector<std::int64_t> unsent_;
  std::deque<Slot> in_flight_;
};

// ShardedGradients (runtime/engine/src/sharded_gradients.cc): a layer's full fp32 gradient (padded) is
// created by its first grads() and handed to the buckets at grads_ready(); at most two buckets are
// outstanding with overlap_comm, none without.
class ShardedGradientsReplay {
 public:
  ShardedGradientsReplay(Ledger& ledger, const Layout& layout, const BufferReplayRequest& r)
      : ledger_(ledger),
        layout_(layout),
        live_(layout.layers()),
        buckets_(ledger, layout, r.zero.reduce_bucket_size, r.reduce_bytes, r.zero.overlap_comm ? 2 : 0) {}
  void full(std::size_t i) {
    if (!live_[i]) ledger_.hold(live_[i], layout_.padded[i] * kFp32, BufferUse::kFullGradient);
  }
  void ready(std::size_t i) { buckets_.add(i, std::move(live_[i])); }
  void drain() { buckets_.drain(); }

 private:
  Ledger& ledger_;
  const Layout& layout_;
  std::vector<Slot> live_;
  GradientBucketsReplay buckets_;
};

// ResidentParams (runtime/engine/src/resident_params.cc): the updated shards all-gathered in layer order
// in buckets of allgather_bucket_size, at most two outstanding (kMaxInFlight), in the working dtype; and
// the fp32 buffer a mixed-precision load writes a layer into.
class ResidentParamsReplay {
 public:
  ResidentParamsReplay(Ledger& ledger, const Layout& layout, const BufferReplayRequest& r)
      : ledger_(ledger), layout_(layout), working_bytes_(r.working_bytes), loading_(layout.layers()) {
    std::vector<std::size_t> order(layout.layers());
    std::iota(order.begin(), order.end(), std::size_t{0});
    plan_ = plan_buckets(layout.shard, order, r.zero.allgather_bucket_size, layout.world);
  }
  void all_gather_owned() {
    std::deque<Slot> in_flight;
    for (const Bucket& bucket : plan_) {
      while (in_flight.size() >= 2) {
        Ledger::drop(in_flight.front());
        in_flight.pop_front();
      }
      in_flight.emplace_back();
      ledger_.hold(in_flight.back(), bucket.per_rank * layout_.world * working_bytes_, BufferUse::kGatherBucket);
    }
    for (Slot& s : in_flight) Ledger::drop(s);
  }
  Slot begin_load(std::size_t i) {
    ledger_.hold(loading_[i], layout_.padded[i] * kFp32, BufferUse::kLoad);
    return loading_[i];
  }
  void finish_load(std::size_t i) { Ledger::drop(loading_[i]); }

 private:
  Ledger& ledger_;
  const Layout& layout_;
  std::int64_t working_bytes_;
  std::vector<Slot> loading_;
  std::vector<Bucket> plan_;
};

// The ZeroStorage protocol (runtime/engine/include/zl/engine/zero_storage.h), for the calls that
// allocate or free buffers. acquire() returns the buffer the layer's tensor is a view of (null when it
// is a view of the parameters themselves): the model holds it until its use of the layer ends.
class StorageReplay {
 public:
  virtual ~StorageReplay() = default;
  virtual Slot acquire(std::size_t layer) = 0;
  virtual void release(std::size_t layer) = 0;
  virtual void grads(std::size_t layer) = 0;
  virtual void grads_ready(std::size_t layer) = 0;
  virtual void begin_forward() {}
  virtual void begin_backward(bool /*last_micro_step*/) {}
  virtual void end_backward() {}
  virtual void reduce_at_boundary() {}
  // Mixed precision: the fp32 widenings owned_grads() returns, held by the engine until the step ends.
  virtual void owned_grads(std::vector<Slot>& /*out*/) {}
  virtual void after_optimizer_step() {}
  virtual void begin_parameter_load() { loading_ = true; }
  virtual void end_parameter_load() { loading_ = false; }

 protected:
  StorageReplay(Ledger& ledger, const Layout& layout, const BufferReplayRequest& r)
      : ledger_(ledger), layout_(layout), mixed_(r.working_bytes != kFp32), wide_(ledger, layout) {}
  // Widened owned gradients of `elements` per layer (stages 1-3: the shards).
  void widen_all(const std::vector<std::int64_t>& elements, std::vector<Slot>& out) {
    if (!mixed_) return;
    for (const std::int64_t n : elements) {
      out.emplace_back();
      ledger_.hold(out.back(), n * kFp32, BufferUse::kFp32Copy);
    }
  }

  Ledger& ledger_;
  const Layout& layout_;
  bool mixed_;
  bool loading_ = false;
  WideViewsReplay wide_;
};

// Stage0Storage (stage0_storage.cc): fp32 gradients are staged per layer under mixed precision; the
// all-reduce of a bucket (plan_all_reduce_buckets) runs in place, or, with fp32 communication of 16-bit
// gradients, on a widened copy kept until the bucket completes (at once without overlap_comm, at
// end_backward with it).
class Stage0Replay final : public StorageReplay {
 public:
  Stage0Replay(Ledger& ledger, const Layout& layout, const BufferReplayRequest& r)
      : StorageReplay(ledger, layout, r),
        overlap_(r.zero.overlap_comm),
        widen_reduction_(r.reduce_bytes != r.working_bytes),
        staging_(layout.layers()),
        bucket_of_(layout.layers()) {
    for (const LayerRange& range : plan_all_reduce_buckets(layout.size, r.zero.reduce_bucket_size)) {
      for (std::size_t i = range.first; i <= range.last; ++i) bucket_of_[i] = buckets_.size();
      buckets_.push_back(Pending{range, 0});
    }
  }
  Slot acquire(std::size_t i) override {
    if (mixed_ && !loading_) return wide_.acquire(i);
    return nullptr;  // the parameters (fp32), or the fp32 master weights being loaded
  }
  void release(std::size_t i) override {
    if (mixed_ && !loading_) wide_.release(i);
  }
  void grads(std::size_t i) override {
    if (mixed_ && !staging_[i]) ledger_.hold(staging_[i], layout_.size[i] * kFp32, BufferUse::kFp32Copy);
  }
  void grads_ready(std::size_t i) override {
    if (mixed_) Ledger::drop(staging_[i]);
    if (!reducing_) return;
    Pending& bucket = buckets_[bucket_of_[i]];
    if (++bucket.ready < bucket.range.last - bucket.range.first + 1) return;
    if (!widen_reduction_) return;
    std::int64_t elements = 0;
    for (std::size_t k = bucket.range.first; k <= bucket.range.last; ++k) elements += layout_.size[k];
    works_.emplace_back();
    ledger_.hold(works_.back(), elements * kFp32, BufferUse::kReduceBucket);
    if (!overlap_) Ledger::drop(works_.back());
  }
  void begin_backward(bool last_micro_step) override {
    reducing_ = last_micro_step && layout_.world > 1;
    for (auto& b : buckets_) b.ready = 0;
  }
  void end_backward() override {
    for (Slot& w : works_) Ledger::drop(w);
    works_.clear();
  }
  void owned_grads(std::vector<Slot>& out) override { widen_all(layout_.size, out); }

 private:
  struct Pending {
    LayerRange range;
    std::size_t ready = 0;
  };
  bool overlap_;
  bool widen_reduction_;
  bool reducing_ = false;
  std::vector<Slot> staging_;
  std::vector<Pending> buckets_;
  std::vector<std::size_t> bucket_of_;
  std::vector<Slot> works_;
};

// Stages 1 and 2 keep whole working parameters (ResidentParams): under mixed precision a layer's
// tensor is a widened view while training and an fp32 load buffer while parameters load; their
// updated shards are all-gathered after the optimizer step.
class ResidentStorageReplay : public StorageReplay {
 public:
  Slot acquire(std::size_t i) override {
    if (!mixed_) return nullptr;
    if (loading_) return params_.begin_load(i);
    return wide_.acquire(i);
  }
  void release(std::size_t i) override {
    if (!mixed_) return;
    if (!loading_) return wide_.release(i);
    params_.finish_load(i);
  }
  void owned_grads(std::vector<Slot>& out) override { widen_all(layout_.shard, out); }
  void after_optimizer_step() override { params_.all_gather_owned(); }

 protected:
  ResidentStorageReplay(Ledger& ledger, const Layout& layout, const BufferReplayRequest& r)
      : StorageReplay(ledger, layout, r), params_(ledger, layout, r) {}

 private:
  ResidentParamsReplay params_;
};

// Stage1Storage (stage1_storage.cc): fp32 gradients staged per layer under mixed precision; gradients
// reduce-scattered at the boundary in backward order, two buckets in flight; updated shards all-gathered.
class Stage1Replay final : public ResidentStorageReplay {
 public:
  Stage1Replay(Ledger& ledger, const Layout& layout, const BufferReplayRequest& r)
      : ResidentStorageReplay(ledger, layout, r), staging_(layout.layers()), request_(r) {}
  void grads(std::size_t i) override {
    if (mixed_ && !staging_[i]) ledger_.hold(staging_[i], layout_.size[i] * kFp32, BufferUse::kFp32Copy);
  }
  void grads_ready(std::size_t i) override {
    if (mixed_) Ledger::drop(staging_[i]);
  }
  void reduce_at_boundary() override {
    GradientBucketsReplay buckets(ledger_, layout_, request_.zero.reduce_bucket_size, request_.reduce_bytes, 2);
    for (std::size_t i = layout_.layers(); i-- > 0;) buckets.add(i, nullptr);
    buckets.drain();
  }

 private:
  std::vector<Slot> staging_;
  const BufferReplayRequest& request_;
};

// Stage2Storage (stage2_storage.cc): full gradients through ShardedGradients; updated shards all-gathered.
class Stage2Replay final : public ResidentStorageReplay {
 public:
  Stage2Replay(Ledger& ledger, const Layout& layout, const BufferReplayRequest& r)
      : ResidentStorageReplay(ledger, layout, r), grads_(ledger, layout, r) {}
  void grads(std::size_t i) override { grads_.full(i); }
  void grads_ready(std::size_t i) override { grads_.ready(i); }
  void end_backward() override { grads_.drain(); }

 private:
  ShardedGradientsReplay grads_;
};

// Stage3Storage (stage3_storage.cc): layers below the persistence threshold stay whole (no buffers but
// their mixed-precision widenings); others are gathered (working dtype, padded) on acquire, prefetched
// along the trace recorded by the first forward and backward, kept whole when the same pass reuses them
// within stage3_max_reuse_distance, and freed otherwise; every pass starts with nothing gathered.
// Loading writes each layer through an fp32 padded buffer (every layer under mixed precision).
class Stage3Replay final : public StorageReplay {
 public:
  Stage3Replay(Ledger& ledger, const Layout& layout, const BufferReplayRequest& r)
      : StorageReplay(ledger, layout, r),
        zero_(r.zero),
        working_bytes_(r.working_bytes),
        grads_(ledger, layout, r),
        live_(layout.layers()) {
    for (std::size_t i = 0; i < layout.layers(); ++i) {
      persistent_.push_back(layout.size[i] < r.zero.stage3_param_persistence_threshold);
    }
  }

  Slot acquire(std::size_t layer) override {
    Live& live = live_[layer];
    if ((mixed_ && loading_) || (loading_ && !persistent_[layer])) {
      ledger_.hold(live.full, layout_.padded[layer] * kFp32, BufferUse::kLoad);
      live.refs = 1;
      return live.full;
    }
    if (persistent_[layer]) return mixed_ ? wide_.acquire(layer) : nullptr;
    current_trace_.push_back(layer);
    if (!live.full) start_gather(layer);
    ++live.refs;
    prefetch_after(current_trace_.size());
    if (!mixed_) return live.full;
    if (!live.wide) ledger_.hold(live.wide, layout_.size[layer] * kFp32, BufferUse::kFp32Copy);
    return live.wide;
  }

  void release(std::size_t layer) override {
    if (mixed_ && loading_) {
      Ledger::drop(live_[layer].full);
      live_[layer] = Live{};
      return;
    }
    if (persistent_[layer]) {
      if (mixed_) wide_.release(layer);
      return;
    }
    if (loading_) return free_layer(layer);
    if (--live_[layer].refs == 0 && !reused_soon(layer)) free_layer(layer);
  }

  void grads(std::size_t i) override { grads_.full(i); }
  void grads_ready(std::size_t i) override { grads_.ready(i); }
  void begin_forward() override { begin_pass(kForward); }
  void begin_backward(bool /*last_micro_step*/) override { begin_pass(kBackward); }
  void end_backward() override {
    grads_.drain();
    begin_pass(kNone);
  }
  void owned_grads(std::vector<Slot>& out) override { widen_all(layout_.shard, out); }
  void begin_parameter_load() override {
    begin_pass(kNone);
    loading_ = true;
  }

 private:
  enum Pass { kNone = -1, kForward = 0, kBackward = 1 };
  struct Live {
    Slot full;
    Slot wide;
    int refs = 0;
  };

  void start_gather(std::size_t layer) {
    ledger_.hold(live_[layer].full, layout_.padded[layer] * working_bytes_, BufferUse::kGatheredLayer);
    live_elements_ += layout_.padded[layer];
  }
  void free_layer(std::size_t layer) {
    Live& live = live_[layer];
    if (live.full != nullptr && !loading_) live_elements_ -= layout_.padded[layer];
    Ledger::drop(live.full);
    Ledger::drop(live.wide);
    live = Live{};
  }
  void prefetch_after(std::size_t position) {
    if (pass_ == kNone || !traced_ || zero_.stage3_prefetch_bucket_size <= 0) return;
    const auto& trace = trace_[pass_];
    std::int64_t budget = zero_.stage3_prefetch_bucket_size;
    for (std::size_t k = position; k < trace.size() && budget > 0; ++k) {
      const std::size_t next = trace[k];
      if (persistent_[next] || live_[next].full != nullptr) continue;
      const std::int64_t elements = layout_.padded[next];
      if (live_elements_ + elements > zero_.stage3_max_live_parameters) break;
      start_gather(next);
      budget -= elements;
    }
  }
  [[nodiscard]] bool reused_soon(std::size_t layer) const {
    if (pass_ == kNone || !traced_) return false;
    const auto& trace = trace_[pass_];
    std::int64_t distance = 0;
    for (std::size_t k = current_trace_.size(); k < trace.size(); ++k) {
      if (trace[k] == layer) return true;
      distance += layout_.size[trace[k]];
      if (distance > zero_.stage3_max_reuse_distance) return false;
    }
    return false;
  }
  void begin_pass(Pass next) {
    if (pass_ != kNone && !traced_) trace_[pass_] = current_trace_;
    if (pass_ == kBackward && !trace_[kForward].empty()) traced_ = true;
    for (std::size_t i = 0; i < live_.size(); ++i) {
      if (live_[i].full != nullptr) free_layer(i);
    }
    current_trace_.clear();
    pass_ = next;
  }

  ZeroSettings zero_;
  std::int64_t working_bytes_;
  ShardedGradientsReplay grads_;
  std::vector<bool> persistent_;
  std::vector<Live> live_;
  std::int64_t live_elements_ = 0;
  Pass pass_ = kNone;
  bool traced_ = false;
  std::vector<std::size_t> trace_[2];
  std::vector<std::size_t> current_trace_;
};

std::unique_ptr<StorageReplay> make_storage_replay(Ledger& ledger, const Layout& layout, const BufferReplayRequest& r) {
  switch (r.zero.stage) {
    case 0:
      return std::make_unique<Stage0Replay>(ledger, layout, r);
    case 1:
      return std::make_unique<Stage1Replay>(ledger, layout, r);
    case 2:
      return std::make_unique<Stage2Replay>(ledger, layout, r);
    case 3:
      return std::make_unique<Stage3Replay>(ledger, layout, r);
    default:
      break;
  }
  throw ConfigError("ZeRO stage " + std::to_string(r.zero.stage) + " does not exist; use 0, 1, 2 or 3");
}

// Gpt2Model::forward: each layer acquired and released in order, then layer 0 again for the tied head.
void replay_forward(StorageReplay& s, Ledger& ledger, std::size_t layers, const std::string& pass) {
  for (std::size_t i = 0; i < layers; ++i) {
    ledger.at(pass + ", layer " + std::to_string(i));
    const Slot params = s.acquire(i);
    s.release(i);
  }
  ledger.at(pass + ", head");
  const Slot params = s.acquire(0);
  s.release(0);
}

// Gpt2Model::backward: the head writes layer 0's gradient first; then the layers in reverse order. A
// layer's acquired tensor is held until its iteration ends, so it is still alive in grads_ready (where
// the buckets are launched) even when release() let go of it.
void replay_backward(StorageReplay& s, Ledger& ledger, std::size_t layers, const std::string& pass) {
  ledger.at(pass + ", head");
  {
    const Slot flat0 = s.acquire(0);
    s.grads(0);
    s.release(0);
  }
  for (std::size_t i = layers; i-- > 0;) {
    ledger.at(pass + ", layer " + std::to_string(i));
    const Slot params = s.acquire(i);
    s.grads(i);
    s.release(i);
    s.grads_ready(i);
  }
}

// How many collectives one step's buckets take at least: the replay walks every one of them.
void check_collective_count(const Layout& layout, const ZeroSettings& zero) {
  if (zero.stage == 0) return;
  std::int64_t shards = 0;
  for (const std::int64_t s : layout.shard) shards += s;
  const auto buckets = [&](std::int64_t bucket_elements) {
    return shards / std::max<std::int64_t>(1, bucket_elements / std::max(1, layout.world));
  };
  const auto refuse = [](const char* key, std::int64_t elements) {
    throw ConfigError(std::string("zero_optimization.") + key + " = " + std::to_string(elements) +
                      " elements makes more than 10^7 collectives per step for this model; use a larger bucket");
  };
  if (buckets(zero.reduce_bucket_size) > kMaxCollectivesPerStep) refuse("reduce_bucket_size", zero.reduce_bucket_size);
  if (zero.stage < 3 && buckets(zero.allgather_bucket_size) > kMaxCollectivesPerStep) {
    refuse("allgather_bucket_size", zero.allgather_bucket_size);
  }
}

}  // namespace

BufferPeak replay_buffer_peak(const BufferReplayRequest& r) {
  if (r.world_size < 1) throw ConfigError("the number of processes must be at least 1");
  const Layout layout(r.layer_sizes, r.world_size);
  check_collective_count(layout, r.zero);
  if (layout.layers() == 0) return BufferPeak{};
  Ledger ledger;
  const std::unique_ptr<StorageReplay> storage = make_storage_replay(ledger, layout, r);

  // Engine::initialize -> load_parameters -> Gpt2Model::initialize: each layer acquired, written and
  // released.
  storage->begin_parameter_load();
  for (std::size_t i = 0; i < layout.layers(); ++i) {
    ledger.at("parameter load, layer " + std::to_string(i));
    const Slot flat = storage->acquire(i);
    storage->release(i);
  }
  storage->end_parameter_load();

  // Engine::train_step. Two steps: stage 3 records its trace in the first micro-step and prefetches from
  // the next one on; every later step repeats the second.
  Slot tokens, targets;
  const int micro_steps = std::max(1, r.micro_steps);
  for (int step = 1; step <= 2; ++step) {
    const std::string at_step = "step " + std::to_string(step);
    for (int m = 0; m < micro_steps; ++m) {
      const std::string micro = micro_steps > 1 ? ", micro-step " + std::to_string(m + 1) : "";
      storage->begin_forward();
      // Gpt2Model::on_device (cuda): the first forward copies tokens and targets into device buffers
      // that stay.
      if (r.tokens > 0 && !tokens) {
        ledger.at(at_step + micro + ", forward");
        ledger.hold(tokens, r.tokens * 4, BufferUse::kTokens);  // int32 tokens
        ledger.hold(targets, r.tokens * 4, BufferUse::kTokens);
      }
      replay_forward(*storage, ledger, layout.layers(), at_step + micro + ", forward");
      storage->begin_backward(m == micro_steps - 1);
      replay_backward(*storage, ledger, layout.layers(), at_step + micro + ", backward");
      ledger.at(at_step + micro + ", end of backward (the last buckets)");
      storage->end_backward();
    }
    // Engine::finish_step: the owned gradients stay alive through the optimizer step and
    // after_optimizer_step.
    ledger.at(at_step + ", gradient reduction at the accumulation boundary");
    storage->reduce_at_boundary();
    ledger.at(at_step + ", optimizer step");
    std::vector<Slot> owned;
    storage->owned_grads(owned);
    storage->after_optimizer_step();
    for (Slot& s : owned) Ledger::drop(s);
  }
  return ledger.peak();
}

}  // namespace zl::config
