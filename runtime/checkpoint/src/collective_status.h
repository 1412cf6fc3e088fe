// CollectiveStatus: success or failure agreed by every rank (internal to zl::checkpoint). Each rank
// runs its part through run()/run_on(), which catch its error; agree() exchanges every rank's status
// (plus a few 64-bit values) with one all-gather and, when any rank failed, the first failing rank's
// message with one broadcast, then throws on EVERY rank the same error: "<what>: rank R: <message>",
// of the failing error's kind (a damaged checkpoint is a ConfigError, exit 2, on every rank). So no
// rank goes on into a collective that a failed rank will never join, and whichever rank the launcher
// sees end first, its report names the rank that found the problem and what it found (the file).
#pragma once

#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "zl/comm/communicator.h"

namespace zl::checkpoint {

class CollectiveStatus {
 public:
  CollectiveStatus(comm::Communicator& comm, std::string what) : comm_(comm), what_(std::move(what)) {}

  template <typename F>
  void run(F&& f) {
    if (error_code_ != 0) return;
    try {
      f();
    } catch (const std::exception& e) {
      fail(e);
    } catch (...) {
      fail(std::runtime_error("unknown error"));
    }
  }
  template <typename F>
  void run_on(int rank, F&& f) {
    if (comm_.rank() == rank) run(std::forward<F>(f));
  }

  // Collective. Every rank passes the same number of values; returns all of them, rank-major.
  std::vector<std::uint64_t> agree(const std::vector<std::uint64_t>& values = {});

 private:
  void fail(const std::exception& e);

  comm::Communicator& comm_;
  std::string what_;
  int error_code_ = 0;  // the failing error's exit code (zl::exit_code_for); 0 = no error
  std::string error_message_;
};

}  // namespace zl::checkpoint
