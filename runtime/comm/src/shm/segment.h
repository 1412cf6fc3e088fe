// ShmSegment: one shm communicator's shared memory, from its creation to its last unmapping.
//
// Lifetime contract: rank 0 creates the segment under a fresh random name (O_EXCL: two jobs never
// share one), reserves its whole size in /dev/shm at once (so a full /dev/shm is an error here, never a
// SIGBUS in the middle of training), and publishes the name, size and a random token through the
// rendezvous store. Every other rank opens it and checks the token. Each rank records its pid and counts
// itself in; the rank that completes the count unlinks the name. From then on the segment exists only as
// mappings and goes with the last process however the job ends, so a killed job leaves nothing in
// /dev/shm. Rank 0 also unlinks the name when joining fails anywhere, and publishes the failure so the
// other ranks fail with the same message at once instead of at their timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "segment_layout.h"

namespace gloo::rendezvous {
class Store;
}

namespace zl::comm::shm {

class ShmSegment {
 public:
  // Returns once every one of `world` ranks has mapped the segment. Throws InfrastructureError naming
  // the segment and what failed (or the ranks that never came, after `timeout`).
  ShmSegment(int rank, int world, std::size_t stage_bytes, gloo::rendezvous::Store& store,
             std::chrono::milliseconds timeout);
  ~ShmSegment();
  ShmSegment(const ShmSegment&) = delete;
  ShmSegment& operator=(const ShmSegment&) = delete;

  [[nodiscard]] SegmentHeader& header() const { return *reinterpret_cast<SegmentHeader*>(base_); }
  [[nodiscard]] RankControl& control(int rank) const {
    return reinterpret_cast<RankControl*>(base_ + controls_offset())[rank];
  }
  // Rank q's stage s (s < kStages): stage_bytes() of data, 4096-byte aligned.
  [[nodiscard]] char* stage(int q, int s) const {
    return base_ + stages_offset(world_) +
           (static_cast<std::size_t>(q) * kStages + static_cast<std::size_t>(s)) * stage_bytes_;
  }
  [[nodiscard]] std::size_t stage_bytes() const { return stage_bytes_; }
  [[nodiscard]] const std::string& name() const { return name_; }  // as created: gone from /dev/shm by now

 private:
  void create(std::size_t bytes);
  void open_published(gloo::rendezvous::Store& store, std::chrono::milliseconds timeout);
  void map(int fd, std::size_t bytes);
  void wait_until_all_mapped(std::chrono::milliseconds timeout);

  int rank_;
  int world_;
  std::size_t stage_bytes_;
  std::string name_;
  std::uint64_t token_ = 0;
  char* base_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace zl::comm::shm
