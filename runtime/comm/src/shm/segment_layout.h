// The layout of a shm communicator's segment, shared by every rank that maps it (possibly at different
// addresses, so nothing in it is a pointer):
//
//   SegmentHeader                      one page: identity, the mapping count, the failure word
//   RankControl[world]                 one cache line per rank: its epoch counter, its waiters, its pid
//   stage[world][kStages]              stage_bytes each: what rank q posted for a pipeline step
//
// Every field is written by the one rank that owns it (a RankControl, a stage) or through atomics (the
// mapping count, the failure word). The atomics are lock-free and address-free, so they work across
// processes; the epoch counters are 32-bit because they are futex words.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace zl::comm::shm {

inline constexpr std::uint64_t kSegmentMagic = 0x7a6c61756e636831ull;  // "zlaunch1"
// Two stages per rank: a rank writes stage t % 2 for pipeline step t only after every rank has posted
// step t-1, and every rank posts step t-1 only after it finished reading step t-2 (which used the same
// stage), so one wait per step is enough to reuse a stage safely.
inline constexpr int kStages = 2;
inline constexpr std::size_t kCacheLine = 64;
inline constexpr std::int32_t kNoFailure = -1;

static_assert(std::atomic<std::uint32_t>::is_always_lock_free && sizeof(std::atomic<std::uint32_t>) == 4);
static_assert(std::atomic<std::int32_t>::is_always_lock_free);

struct alignas(4096) SegmentHeader {
  std::uint64_t magic;
  std::uint64_t token;  // random, published with the name: a rank never joins another job's segment
  std::uint32_t world;
  std::uint32_t stage_bytes;
  std::atomic<std::uint32_t> mapped;  // ranks that have mapped the segment; a futex word
  // The first rank found dead or failed (kNoFailure while none), and who found it: once set, every
  // rank's next wait fails naming it instead of waiting for its own timeout.
  std::atomic<std::int32_t> failed_rank;
  std::atomic<std::int32_t> failure_found_by;
};

struct alignas(kCacheLine) RankControl {
  std::atomic<std::uint32_t> epoch;    // how many times this rank has posted; a futex word
  std::atomic<std::uint32_t> waiters;  // ranks sleeping on `epoch`: the poster wakes them only when some are
  std::atomic<std::int32_t> pid;       // 0 until the rank has mapped the segment
};

inline std::size_t controls_offset() { return sizeof(SegmentHeader); }
inline std::size_t stages_offset(int world) {
  const std::size_t end = controls_offset() + sizeof(RankControl) * static_cast<std::size_t>(world);
  return (end + 4095) / 4096 * 4096;
}
inline std::size_t segment_bytes(int world, std::size_t stage_bytes) {
  return stages_offset(world) + static_cast<std::size_t>(world) * kStages * stage_bytes;
}

}  // namespace zl::comm::shm
