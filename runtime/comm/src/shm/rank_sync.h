// RankSync: how the ranks of one shm segment wait for each other, and notice when one is gone.
//
// Every rank owns an epoch counter in the segment and posts (increments it) at the same points of the
// same collectives in the same order, so "every rank has posted as often as I have" is a barrier, and
// "rank q has" says q's data for this step is in its stage (the post is a release, the wait an acquire).
// A waiter spins briefly when every rank can have a core of its own, then sleeps on the futex; a poster
// wakes sleepers only when there are some.
//
// Failure contract: a wait that does not end within the communicator's timeout (counted from the start
// of the collective) throws InfrastructureError naming the rank it waited for. While it sleeps, the
// waiter checks that this rank's process still exists (a pidfd; ranks that share a process, as in
// tests, count as alive), and when it is gone, records it in the segment and throws naming it, so the
// other ranks fail at their next wait rather than at their timeout. A rank that leaves a collective with
// an error records itself the same way (fail()).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "segment.h"

namespace zl::comm::shm {

class RankSync {
 public:
  RankSync(ShmSegment& segment, int rank, int world, std::chrono::milliseconds timeout);
  ~RankSync();
  RankSync(const RankSync&) = delete;
  RankSync& operator=(const RankSync&) = delete;

  void begin(const char* collective);  // starts the timeout of one collective, named in errors
  void post();                         // this rank's data for the current step is in place
  void wait_all();                     // every rank has posted as often as this one
  void fail();                         // this rank leaves the current collective with an error

 private:
  void wait_rank(int q, std::uint32_t target);
  [[nodiscard]] bool alive(int q) const;
  [[nodiscard]] std::string who(int q) const;
  [[noreturn]] void throw_recorded_failure() const;

  ShmSegment& segment_;
  int rank_;
  int world_;
  std::chrono::milliseconds timeout_;
  bool spin_;                // every rank can run on a core of its own
  std::vector<int> pidfds_;  // per rank: a pidfd, or kSameProcess, or kNoPidfd (kill(pid, 0) instead)
  std::uint32_t epoch_ = 0;  // this rank's posts so far (mirrors its counter in the segment)
  const char* collective_ = "setup";
  std::chrono::steady_clock::time_point deadline_{};
};

}  // namespace zl::comm::shm
