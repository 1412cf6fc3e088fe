// Sleeping on a 32-bit word of shared memory until another process changes it (Linux futexes, not the
// process-private kind, so the word may live in a segment mapped at different addresses).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace zl::comm::shm {

// Sleeps while `word` holds `expected`, for at most `timeout`; returns early on a wake, a change, or a
// signal. The caller re-checks the word: a return says nothing about why it returned.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, std::chrono::microseconds timeout);

// Wakes every process sleeping on `word`.
void futex_wake_all(std::atomic<std::uint32_t>& word);

}  // namespace zl::comm::shm
