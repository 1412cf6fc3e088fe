// Durable writes and positioned reads for checkpoints (zl/checkpoint/file_io.h).
#include "zl/checkpoint/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "zl/base/error.h"

namespace zl::checkpoint {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw SystemError(what + " " + path, errno);
}

}  // namespace

ChecksummedFileWriter::ChecksummedFileWriter(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("cannot create", path);
}

ChecksummedFileWriter::~ChecksummedFileWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void ChecksummedFileWriter::write(const void* data, std::size_t size) {
  hash_.update(data, size);
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write", path_);
    p += n;
    size -= static_cast<std::size_t>(n);
    bytes_ += static_cast<std::uint64_t>(n);
  }
}

void ChecksummedFileWriter::sync_and_close() {
  if (::fsync(fd_) != 0) fail("cannot fsync", path_);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("cannot close", path_);
}

void fsync_directory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("cannot open directory", path);
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) fail("cannot fsync directory", path);
}

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    ChecksummedFileWriter writer(tmp);
    writer.write(content.data(), content.size());
    writer.sync_and_close();
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot rename " + tmp + " to", path);
  const std::size_t slash = path.find_last_of('/');
  fsync_directory(slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash)));
}

std::string read_text_file(const std::string& path) {
  ReadOnlyFile file(path);
  std::string out(file.size(), '\0');
  file.read_at(0, out.data(), out.size());
  return out;
}

ReadOnlyFile::ReadOnlyFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    throw ConfigError(path + ": cannot open (" + std::string(std::strerror(errno)) + ")");
  }
}

ReadOnlyFile::~ReadOnlyFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t ReadOnlyFile::size() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) fail("cannot stat", path_);
  return static_cast<std::uint64_t>(st.st_size);
}

void ReadOnlyFile::read_at(std::uint64_t offset, void* out, std::size_t size) const {
  auto* p = static_cast<char*>(out);
  while (size > 0) {
    const ssize_t n = ::pread(fd_, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read", path_);
    if (n == 0) {
      throw ConfigError(path_ + ": truncated: it ends at byte " + std::to_string(offset) + " but " +
                        std::to_string(size) + " more bytes were expected there");
    }
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

}  // namespace zl::checkpoint
