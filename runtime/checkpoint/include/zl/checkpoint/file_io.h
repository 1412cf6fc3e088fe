// The durable-file primitives checkpoints are built from (POSIX): a shard writer that checksums what it
// writes and fsyncs it, directory fsync, small files replaced atomically (write temp, fsync, rename,
// fsync the directory), and positioned reads. Write failures are zl::SystemError naming the path and
// errno; reads of a file that is shorter than expected are zl::ConfigError naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "zl/checkpoint/xxhash64.h"

namespace zl::checkpoint {

// Writes one new file sequentially; the XXH64 of everything written is kept as it goes.
class ChecksummedFileWriter {
 public:
  explicit ChecksummedFileWriter(const std::string& path);  // creates or truncates
  ~ChecksummedFileWriter();
  ChecksummedFileWriter(const ChecksummedFileWriter&) = delete;
  ChecksummedFileWriter& operator=(const ChecksummedFileWriter&) = delete;

  void write(const void* data, std::size_t size);
  // fsync, then close; the file is durable when this returns.
  void sync_and_close();
  [[nodiscard]] std::uint64_t bytes() const { return bytes_; }
  [[nodiscard]] std::uint64_t checksum() const { return hash_.digest(); }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t bytes_ = 0;
  Xxh64 hash_;
};

// fsync of a directory, so the entries created or renamed in it are durable.
void fsync_directory(const std::string& path);

// Replaces `path` with `content` atomically: path.tmp written and fsynced, renamed over path, the
// directory fsynced. A reader sees the old or the new content, never a mix.
void write_file_atomically(const std::string& path, const std::string& content);

// The whole file (small files: manifests, `latest`). ConfigError naming the file when unreadable.
[[nodiscard]] std::string read_text_file(const std::string& path);

// A read-only file for positioned reads.
class ReadOnlyFile {
 public:
  explicit ReadOnlyFile(const std::string& path);  // ConfigError naming the file when it cannot be opened
  ~ReadOnlyFile();
  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;

  [[nodiscard]] std::uint64_t size() const;
  // Exactly `size` bytes at `offset`; ConfigError naming the file when it ends first (truncated).
  void read_at(std::uint64_t offset, void* out, std::size_t size) const;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace zl::checkpoint
