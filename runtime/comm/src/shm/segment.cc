// ShmSegment: creating, publishing, opening, counting in and unlinking a communicator's segment
// (segment.h states the lifetime contract).
#include "segment.h"

#include <fcntl.h>
#include <gloo/rendezvous/store.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <sstream>

#include "futex.h"
#include "zl/base/check.h"
#include "zl/base/error.h"

namespace zl::comm::shm {
namespace {

const std::string kSegmentKey = "shm/segment";  // under the communicator's store prefix
const std::string kErrorPrefix = "error: ";

std::uint64_t random_token() {
  std::uint64_t token = 0;
  if (getrandom(&token, sizeof token, 0) != static_cast<ssize_t>(sizeof token)) {
    throw SystemError("shm: getrandom for the segment's name", errno);
  }
  return token;
}

std::string hex(std::uint64_t value) {
  std::ostringstream os;
  os << std::hex << value;
  return os.str();
}

std::string mib(std::size_t bytes) { return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB"; }

}  // namespace

ShmSegment::ShmSegment(int rank, int world, std::size_t stage_bytes, gloo::rendezvous::Store& store,
                       std::chrono::milliseconds timeout)
    : rank_(rank), world_(world), stage_bytes_(stage_bytes) {
  bool published = false;
  try {
    if (rank == 0) {
      create(segment_bytes(world, stage_bytes));
      const std::string value = name_ + " " + hex(token_) + " " + std::to_string(bytes_);
      store.set(kSegmentKey, {value.begin(), value.end()});
      published = true;
    } else {
      open_published(store, timeout);
    }
    control(rank).pid.store(static_cast<std::int32_t>(getpid()));
    if (header().mapped.fetch_add(1) + 1 == static_cast<std::uint32_t>(world)) {
      // The last rank in: nobody needs the name any more.
      ZL_CHECK_SYS(shm_unlink(name_.c_str()));
      futex_wake_all(header().mapped);
    }
    wait_until_all_mapped(timeout);
  } catch (const std::exception& e) {
    if (rank == 0) {
      if (!name_.empty()) shm_unlink(name_.c_str());  // may be gone already; nothing else to do then
      if (!published) {
        const std::string value = kErrorPrefix + e.what();
        try {
          store.set(kSegmentKey, {value.begin(), value.end()});
        } catch (const std::exception&) {
          // The others then fail at their timeout, naming rank 0.
        }
      }
    }
    if (base_ != nullptr) munmap(base_, bytes_);
    throw;
  }
}

ShmSegment::~ShmSegment() {
  if (base_ != nullptr) munmap(base_, bytes_);
}

void ShmSegment::create(std::size_t bytes) {
  token_ = random_token();
  name_ = "/zlaunch-shm-" + std::to_string(getpid()) + "-" + hex(token_);
  const int fd = shm_open(name_.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd == -1) {
    const int err = errno;
    name_.clear();  // not ours to unlink
    throw InfrastructureError("shm: cannot create the communicator's segment in /dev/shm: " +
                              std::string(std::strerror(err)) + " (--comm_backend gloo avoids shared memory)");
  }
  try {
    ZL_CHECK_SYS(ftruncate(fd, static_cast<off_t>(bytes)));
    if (const int err = posix_fallocate(fd, 0, static_cast<off_t>(bytes)); err != 0) {
      throw InfrastructureError("shm: /dev/shm has no room for the communicator's " + mib(bytes) + " segment (" +
                                std::strerror(err) +
                                "): enlarge it (docker run --shm-size), or use --comm_backend gloo");
    }
    map(fd, bytes);
  } catch (...) {
    close(fd);
    throw;
  }
  close(fd);
  auto* header = new (base_) SegmentHeader{};
  header->magic = kSegmentMagic;
  header->token = token_;
  header->world = static_cast<std::uint32_t>(world_);
  header->stage_bytes = static_cast<std::uint32_t>(stage_bytes_);
  header->failed_rank.store(kNoFailure);
  header->failure_found_by.store(kNoFailure);
  for (int q = 0; q < world_; ++q) new (&control(q)) RankControl{};
}

void ShmSegment::open_published(gloo::rendezvous::Store& store, std::chrono::milliseconds timeout) {
  store.wait({kSegmentKey}, timeout);
  const std::vector<char> raw = store.get(kSegmentKey);
  const std::string value(raw.begin(), raw.end());
  if (value.rfind(kErrorPrefix, 0) == 0) {
    throw InfrastructureError("shm: rank 0 could not set up the segment: " + value.substr(kErrorPrefix.size()));
  }
  std::istringstream fields(value);
  std::string token;
  std::size_t bytes = 0;
  fields >> name_ >> token >> bytes;
  token_ = std::stoull(token, nullptr, 16);
  if (!fields || bytes != segment_bytes(world_, stage_bytes_)) {
    throw InfrastructureError("shm: rank " + std::to_string(rank_) +
                              " read a segment record it does not understand ('" + value +
                              "'): do all ranks run the same zlaunch build?");
  }
  const int fd = shm_open(name_.c_str(), O_RDWR, 0);
  if (fd == -1) {
    const int err = errno;
    throw InfrastructureError("shm: rank " + std::to_string(rank_) + " cannot open " + name_ + ": " +
                              std::strerror(err) + " (rank 0 gave up on the segment, or runs on another machine)");
  }
  try {
    struct stat st {};
    ZL_CHECK_SYS(fstat(fd, &st));
    if (static_cast<std::size_t>(st.st_size) != bytes) {
      throw InfrastructureError("shm: " + name_ + " holds " + std::to_string(st.st_size) + " bytes, not " +
                                std::to_string(bytes));
    }
    map(fd, bytes);
  } catch (...) {
    close(fd);
    throw;
  }
  close(fd);
  if (header().magic != kSegmentMagic || header().token != token_ ||
      header().world != static_cast<std::uint32_t>(world_)) {
    throw InfrastructureError("shm: " + name_ + " is not this communicator's segment (its token or world differs)");
  }
}

void ShmSegment::map(int fd, std::size_t bytes) {
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) throw SystemError("shm: mmap of " + name_ + " (" + mib(bytes) + ")", errno);
  base_ = static_cast<char*>(base);
  bytes_ = bytes;
}

void ShmSegment::wait_until_all_mapped(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const std::uint32_t mapped = header().mapped.load();
    if (mapped >= static_cast<std::uint32_t>(world_)) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string missing;
      for (int q = 0; q < world_; ++q) {
        if (control(q).pid.load() == 0) missing += (missing.empty() ? "" : ", ") + std::to_string(q);
      }
      throw InfrastructureError("shm: rank " + std::to_string(rank_) + " waited " +
                                std::to_string(timeout.count() / 1000) + " s for rank(s) " + missing +
                                " to map the segment: are all ranks on this machine?");
    }
    futex_wait(header().mapped, mapped, std::chrono::milliseconds(10));
  }
}

}  // namespace zl::comm::shm
