// Small TCP helpers shared by the rendezvous store's server and client and by the launcher (free ports):
// an owning file descriptor, listen/connect with deadlines, and all-or-nothing send/receive.
// Failures throw zl::InfrastructureError with the address and port in the message.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace zl::store::net {

using Clock = std::chrono::steady_clock;

// Owns one file descriptor; closes it on destruction. Move-only.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  int release();
  void reset();

 private:
  int fd_ = -1;
};

// A listening socket on bind_address:port (port 0 = a free port chosen by the kernel). A port already
// in use throws InfrastructureError naming the port and suggesting port 0.
Fd listen_tcp(const std::string& bind_address, int port, int backlog = 1024);

// The port a bound socket listens on.
int local_port(int fd);

// A port that was free a moment ago on bind_address (bind to 0, read, close): the torchrun way of
// choosing MASTER_PORT. Another process may take it in between; callers accept that small race.
int free_tcp_port(const std::string& bind_address = "127.0.0.1");

// Connects to host:port, retrying refused or unreachable attempts until deadline (the peer may not be
// listening yet). The socket is blocking, close-on-exec, with TCP_NODELAY.
Fd connect_tcp(const std::string& host, int port, Clock::time_point deadline);

// Writes all of data before the deadline; throws InfrastructureError("<what>: ...") otherwise.
void send_all(int fd, std::string_view data, Clock::time_point deadline, const std::string& what);

// Reads exactly n bytes before the deadline; throws InfrastructureError on timeout, EOF or error.
void recv_exact(int fd, char* buffer, std::size_t n, Clock::time_point deadline, const std::string& what);

}  // namespace zl::store::net
