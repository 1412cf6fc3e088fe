// ShmBackend: zl::comm::Backend over one shared segment (see shm/backend.h; the segment's lifetime in
// segment.h, the waiting and failure contract in rank_sync.h).
//
// Every collective is a sequence of pipeline steps; step t uses each rank's stage t % 2. In a step a
// rank copies its part of the message into its own stage, posts, waits until every rank has posted,
// then reads what it needs from the others' stages:
//   reduce_scatter  a stage holds a chunk of each of the world's blocks; rank r sums chunk r of every
//                   stage into its output (its own block straight from its input, never copied).
//   all_gather      a stage holds a chunk of the rank's input; every rank copies every stage.
//   broadcast       the root's stage holds a chunk; every other rank copies it.
//   all_reduce      large: reduce_scatter of the step's chunk into each rank's own stage slice, a
//                   second post, then every rank copies every slice (each input byte read about
//                   once); small (<= kSmallAllReduceBytes): every rank sums every stage itself, one post.
// Sums run in fp32 in rank order and round once (reduce_sources_into), so every rank's result agrees
// bit for bit, whichever rank computed it.
#include "zl/comm/shm/backend.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "rank_sync.h"
#include "segment.h"
#include "zl/base/error.h"
#include "zl/comm/reduce_functions.h"

namespace zl::comm {
namespace {

using shm::RankSync;
using shm::ShmSegment;

// An all_reduce this small takes one post instead of two: its latency is the synchronization.
constexpr std::size_t kSmallAllReduceBytes = 32u << 10;
constexpr std::size_t kElementAlignment = 32;  // chunk lengths stay multiples of 64 bytes for 16-bit types

class ShmBackend final : public Backend {
 public:
  ShmBackend(const ShmOptions& options, gloo::rendezvous::Store* store) : rank_(options.rank), size_(options.size) {
    if (size_ == 1) return;
    const std::size_t stage_bytes = options.stage_bytes / 64 * 64;
    if (stage_bytes < static_cast<std::size_t>(size_) * kElementAlignment * 4) {
      throw UsageError("shm: a stage of " + std::to_string(options.stage_bytes) + " bytes is too small for " +
                       std::to_string(size_) + " ranks (at least " +
                       std::to_string(static_cast<std::size_t>(size_) * kElementAlignment * 4) + ")");
    }
    segment_ = std::make_unique<ShmSegment>(rank_, size_, stage_bytes, *store, options.timeout);
    sync_ = std::make_unique<RankSync>(*segment_, rank_, size_, options.timeout);
  }

  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int size() const override { return size_; }
  [[nodiscard]] const char* name() const override { return "shm"; }

  void all_reduce(void* data, std::size_t count, DataType type, ReduceOp op) override {
    if (count == 0) return;
    if (size_ == 1) return;  // the sum and the average of one rank's data are that data
    guarded("all_reduce", [&] {
      if (count * element_size(type) <= kSmallAllReduceBytes) {
        small_all_reduce(static_cast<char*>(data), count, type, op);
      } else {
        large_all_reduce(static_cast<char*>(data), count, type, op);
      }
    });
  }

  void reduce_scatter(const void* in, void* out, std::size_t count, DataType type, ReduceOp op) override {
    if (count == 0) return;
    const std::size_t esize = element_size(type);
    const auto* input = static_cast<const char*>(in);
    auto* output = static_cast<char*>(out);
    if (size_ == 1) {
      if (in != out) std::memmove(out, in, count * esize);
      return;
    }
    guarded("reduce_scatter", [&] {
      const std::size_t chunk = block_chunk(esize);
      std::vector<const void*> sources(static_cast<std::size_t>(size_));
      for (std::size_t begin = 0; begin < count; begin += chunk) {
        const std::size_t n = std::min(chunk, count - begin);
        char* mine = stage(rank_);
        for (int q = 0; q < size_; ++q) {
          if (q == rank_) continue;  // this rank's own block is read from its input
          std::memcpy(mine + q * chunk * esize, input + (q * count + begin) * esize, n * esize);
        }
        sync_->post();
        sync_->wait_all();
        for (int q = 0; q < size_; ++q) {
          sources[static_cast<std::size_t>(q)] =
              q == rank_ ? input + (rank_ * count + begin) * esize : stage(q) + rank_ * chunk * esize;
        }
        reduce_sources_into(output + begin * esize, sources.data(), size_, n, type, factor(op));
        next_step();
      }
    });
  }

  void all_gather(const void* in, void* out, std::size_t count, DataType type) override {
    if (count == 0) return;
    const std::size_t esize = element_size(type);
    const auto* input = static_cast<const char*>(in);
    auto* output = static_cast<char*>(out);
    if (size_ == 1) {
      if (in != out) std::memmove(out, in, count * esize);
      return;
    }
    guarded("all_gather", [&] {
      const std::size_t chunk = stage_chunk(esize);
      for (std::size_t begin = 0; begin < count; begin += chunk) {
        const std::size_t n = std::min(chunk, count - begin);
        std::memcpy(stage(rank_), input + begin * esize, n * esize);
        sync_->post();
        sync_->wait_all();
        for (int q = 0; q < size_; ++q) {
          char* to = output + (q * count + begin) * esize;
          const char* from = q == rank_ ? input + begin * esize : stage(q);
          if (to != from) std::memcpy(to, from, n * esize);  // equal when gathering in place
        }
        next_step();
      }
    });
  }

  void broadcast(void* data, std::size_t count, DataType type, int root) override {
    if (count == 0 || size_ == 1) return;
    const std::size_t esize = element_size(type);
    auto* bytes = static_cast<char*>(data);
    guarded("broadcast", [&] {
      const std::size_t chunk = stage_chunk(esize);
      for (std::size_t begin = 0; begin < count; begin += chunk) {
        const std::size_t n = std::min(chunk, count - begin);
        if (rank_ == root) std::memcpy(stage(root), bytes + begin * esize, n * esize);
        sync_->post();
        sync_->wait_all();
        if (rank_ != root) std::memcpy(bytes + begin * esize, stage(root), n * esize);
        next_step();
      }
    });
  }

  void barrier() override {
    if (size_ == 1) return;
    guarded("barrier", [&] {
      sync_->post();
      sync_->wait_all();
    });
  }

 private:
  // Runs one collective under the communicator's timeout. An error of this rank's own (not one that
  // names another rank) is recorded in the segment, so that the others stop waiting for this rank.
  template <typename Body>
  void guarded(const char* collective, Body body) {
    sync_->begin(collective);
    try {
      body();
    } catch (const InfrastructureError&) {
      throw;
    } catch (...) {
      sync_->fail();
      throw;
    }
  }

  void small_all_reduce(char* data, std::size_t count, DataType type, ReduceOp op) {
    const std::size_t bytes = count * element_size(type);
    std::memcpy(stage(rank_), data, bytes);
    sync_->post();
    sync_->wait_all();
    std::vector<const void*> sources(static_cast<std::size_t>(size_));
    for (int q = 0; q < size_; ++q) sources[static_cast<std::size_t>(q)] = q == rank_ ? data : stage(q);
    reduce_sources_into(data, sources.data(), size_, count, type, factor(op));
    next_step();
  }

  void large_all_reduce(char* data, std::size_t count, DataType type, ReduceOp op) {
    const std::size_t esize = element_size(type);
    const std::size_t chunk = block_chunk(esize) * static_cast<std::size_t>(size_);
    std::vector<const void*> sources(static_cast<std::size_t>(size_));
    for (std::size_t begin = 0; begin < count; begin += chunk) {
      const std::size_t n = std::min(chunk, count - begin);
      const std::size_t slice = (n + static_cast<std::size_t>(size_) - 1) / static_cast<std::size_t>(size_);
      auto slice_of = [&](int q) {
        const std::size_t lo = std::min(n, static_cast<std::size_t>(q) * slice);
        return std::pair{lo, std::min(n, lo + slice)};
      };
      std::memcpy(stage(rank_), data + begin * esize, n * esize);
      sync_->post();
      sync_->wait_all();
      // Rank r sums slice r of every stage into slice r of its own stage: only rank r reads that slice.
      const auto [lo, hi] = slice_of(rank_);
      if (lo < hi) {
        for (int q = 0; q < size_; ++q) sources[static_cast<std::size_t>(q)] = stage(q) + lo * esize;
        reduce_sources_into(stage(rank_) + lo * esize, sources.data(), size_, hi - lo, type, factor(op));
      }
      sync_->post();
      sync_->wait_all();
      for (int q = 0; q < size_; ++q) {
        const auto [qlo, qhi] = slice_of(q);
        if (qlo < qhi) std::memcpy(data + (begin + qlo) * esize, stage(q) + qlo * esize, (qhi - qlo) * esize);
      }
      next_step();
    }
  }

  [[nodiscard]] float factor(ReduceOp op) const {
    return op == ReduceOp::kAvg ? 1.0f / static_cast<float>(size_) : 1.0f;
  }
  // Elements of one block per step when a stage holds a chunk of each of the world's blocks.
  [[nodiscard]] std::size_t block_chunk(std::size_t esize) const {
    return segment_->stage_bytes() / static_cast<std::size_t>(size_) / esize / kElementAlignment * kElementAlignment;
  }
  [[nodiscard]] std::size_t stage_chunk(std::size_t esize) const { return segment_->stage_bytes() / esize; }
  [[nodiscard]] char* stage(int q) const { return segment_->stage(q, static_cast<int>(step_ % shm::kStages)); }
  void next_step() { ++step_; }

  int rank_;
  int size_;
  std::unique_ptr<ShmSegment> segment_;  // null for a world of one
  std::unique_ptr<RankSync> sync_;
  std::uint64_t step_ = 0;  // pipeline steps so far, the same on every rank
};

}  // namespace

std::unique_ptr<Backend> make_shm_backend(const ShmOptions& options, gloo::rendezvous::Store& store) {
  return std::make_unique<ShmBackend>(options, &store);
}

std::unique_ptr<Backend> make_single_rank_shm_backend() { return std::make_unique<ShmBackend>(ShmOptions{}, nullptr); }

}  // namespace zl::comm
