// TCP helpers (socket_io.h): getaddrinfo-based listen/connect, poll()-bounded I/O.
#include "zl/store/socket_io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "zl/base/error.h"

namespace zl::store::net {
namespace {

int millis_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1000LL * 3600));
}

std::string endpoint(const std::string& host, int port) { return host + ":" + std::to_string(port); }

struct AddrInfoList {
  addrinfo* head = nullptr;
  ~AddrInfoList() {
    if (head != nullptr) freeaddrinfo(head);
  }
};

void resolve(const std::string& host, int port, bool passive, AddrInfoList& out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  const std::string service = std::to_string(port);
  const int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &out.head);
  if (rc != 0) {
    throw InfrastructureError("cannot resolve address '" + host + "': " + gai_strerror(rc) +
                              " (check --main_process_ip)");
  }
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

Fd::~Fd() { reset(); }

int Fd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Fd listen_tcp(const std::string& bind_address, int port, int backlog) {
  AddrInfoList list;
  resolve(bind_address, port, true, list);
  int last_errno = 0;
  for (addrinfo* ai = list.head; ai != nullptr; ai = ai->ai_next) {
    Fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd.valid()) {
      last_errno = errno;
      continue;
    }
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd.get(), backlog) == 0) return fd;
    last_errno = errno;
  }
  if (last_errno == EADDRINUSE) {
    throw InfrastructureError("port " + std::to_string(port) + " on " + bind_address +
                              " is already in use: choose another --main_process_port, or 0 for a free port");
  }
  throw InfrastructureError("cannot listen on " + endpoint(bind_address, port) + ": " + std::strerror(last_errno));
}

int local_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw InfrastructureError(std::string("getsockname: ") + std::strerror(errno));
  }
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

int free_tcp_port(const std::string& bind_address) {
  Fd fd = listen_tcp(bind_address, 0, 1);
  return local_port(fd.get());
}

Fd connect_tcp(const std::string& host, int port, Clock::time_point deadline) {
  std::string last_error = "timed out";
  auto backoff = std::chrono::milliseconds(5);
  while (true) {
    AddrInfoList list;
    resolve(host, port, false, list);
    for (addrinfo* ai = list.head; ai != nullptr; ai = ai->ai_next) {
      Fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol));
      if (!fd.valid()) continue;
      int rc = ::connect(fd.get(), ai->ai_addr, ai->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{fd.get(), POLLOUT, 0};
        rc = ::poll(&p, 1, std::max(1, millis_until(deadline)));
        int err = ETIMEDOUT;
        if (rc == 1) {
          socklen_t len = sizeof(err);
          ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        }
        errno = err;
        rc = err == 0 ? 0 : -1;
      }
      if (rc == 0) {
        const int flags = ::fcntl(fd.get(), F_GETFL);
        ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
        const int one = 1;
        ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        return fd;
      }
      last_error = std::strerror(errno);
    }
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::min<Clock::duration>(backoff, deadline - Clock::now()));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(200));
  }
  throw InfrastructureError("cannot connect to " + endpoint(host, port) + ": " + last_error);
}

void send_all(int fd, std::string_view data, Clock::time_point deadline, const std::string& what) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      const int left = millis_until(deadline);
      if (left == 0 || ::poll(&p, 1, left) == 0) throw InfrastructureError(what + ": timed out while sending");
      continue;
    }
    throw InfrastructureError(what + ": send failed: " + std::strerror(errno));
  }
}

void recv_exact(int fd, char* buffer, std::size_t n, Clock::time_point deadline, const std::string& what) {
  std::size_t got = 0;
  while (got < n) {
    pollfd p{fd, POLLIN, 0};
    const int left = millis_until(deadline);
    const int rc = ::poll(&p, 1, left);
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) throw InfrastructureError(what + ": no reply before the deadline");
    const ssize_t r = ::recv(fd, buffer + got, n - got, MSG_DONTWAIT);
    if (r > 0) {
      got += static_cast<std::size_t>(r);
    } else if (r == 0) {
      throw InfrastructureError(what + ": the connection was closed by the peer");
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      throw InfrastructureError(what + ": receive failed: " + std::strerror(errno));
    }
  }
}

}  // namespace zl::store::net
