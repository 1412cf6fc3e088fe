// CollectiveStatus: success or failure agreed by every rank (internal to zl::checkpoint). Each rank
// runs its part through run()/run_on(), which catch its error; agree() exchanges every rank's status
// (plus a few 64-bit values) with one all-gather and then throws on EVERY rank when any rank failed:
// the failing rank its own error, the others a zl::Error naming the first failing rank. So no rank
// goes on into a collective that a failed rank will never join.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "zl/comm/communicator.h"

namespace zl::checkpoint {

class CollectiveStatus {
 public:
  CollectiveStatus(comm::Communicator& comm, std::string what) : comm_(comm), what_(std::move(what)) {}

  template <typename F>
  void run(F&& f) {
    if (error_) return;
    try {
      f();
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  template <typename F>
  void run_on(int rank, F&& f) {
    if (comm_.rank() == rank) run(std::forward<F>(f));
  }

  // Collective. Every rank passes the same number of values; returns all of them, rank-major.
  std::vector<std::uint64_t> agree(const std::vector<std::uint64_t>& values = {});

 private:
  comm::Communicator& comm_;
  std::string what_;
  std::exception_ptr error_;
};

}  // namespace zl::checkpoint
