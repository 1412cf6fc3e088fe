// Endpoint: prometheus-cpp Exposer + Registry for one process (see endpoint.h).
#include "zl/metrics/endpoint.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include "zl/base/error.h"

namespace zl::metrics {
namespace detail {
std::size_t thread_stack_floor();  // thread_stack_floor.cc
}  // namespace detail

namespace {

// Opens and at once closes a TCP connection to host:port; failures are ignored (the exposer may
// already have closed its socket).
void knock(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const bool connected = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0;
    ::close(fd);
    if (connected) break;
  }
  freeaddrinfo(found);
}

// The address a client on this machine reaches a server bound to `bind_address` at.
std::string local_address_of(const std::string& bind_address) {
  if (bind_address == "0.0.0.0" || bind_address.empty()) return "127.0.0.1";
  if (bind_address == "::" || bind_address == "[::]") return "::1";
  if (bind_address.size() > 2 && bind_address.front() == '[' && bind_address.back() == ']') {
    return bind_address.substr(1, bind_address.size() - 2);
  }
  return bind_address;
}

// civetweb's settings for one endpoint. Two threads and civetweb's 30 s request timeout let two clients
// that each send half a request blind /metrics for 30 s; with these, stalled clients hold at most
// kServingThreads - 1 threads, each for at most kRequestTimeoutMs, while scrapes go on.
constexpr int kServingThreads = 8;
constexpr int kRequestTimeoutMs = 2000;

std::unique_ptr<prometheus::Exposer> make_exposer(const std::string& address) {
  return std::make_unique<prometheus::Exposer>(
      std::vector<std::string>{"listening_ports", address, "num_threads", std::to_string(kServingThreads),
                               "request_timeout_ms", std::to_string(kRequestTimeoutMs)});
}

}  // namespace

std::string scrape_host(const std::string& bind_address, const std::string& hostname) {
  if (bind_address.empty() || bind_address == "0.0.0.0" || bind_address == "::" || bind_address == "[::]") {
    return hostname;
  }
  return bind_address;
}

std::string this_hostname() {
  char name[256] = {};
  ::gethostname(name, sizeof(name) - 1);
  return name[0] != '\0' ? name : "localhost";
}

Endpoint::Endpoint(const std::string& bind_address, int port)
    : bind_address_(bind_address), requested_port_(port), registry_(std::make_shared<prometheus::Registry>()) {
  // Referencing the floor links thread_stack_floor.cc (and its pthread_attr_setstacksize) into every
  // program that serves metrics: the exposer's threads need it.
  [[maybe_unused]] const std::size_t stack_floor = detail::thread_stack_floor();
  const std::string address = bind_address + ":" + std::to_string(port);
  try {
    exposer_ = make_exposer(address);
  } catch (const std::exception& e) {
    // civetweb does not say why a bind failed: a port in use and an address that is not ours look
    // alike. Any free port on the same address tells them apart; only the second is an error.
    try {
      if (port == 0) throw;
      exposer_ = make_exposer(bind_address + ":0");
    } catch (const std::exception&) {
      throw InfrastructureError("metrics: cannot serve /metrics on " + address + " (" + e.what() +
                                "): no port can be bound on " + bind_address +
                                "; set metrics.bind to a local address, or metrics.enabled: false");
    }
  }
  exposer_->RegisterCollectable(registry_);
  const auto ports = exposer_->GetListeningPorts();
  port_ = ports.empty() ? port : ports.front();
}

std::string Endpoint::scrape_address() const {
  const std::string host = scrape_host(bind_address_, this_hostname());
  const bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port_);
}

// Stopping the exposer stops civetweb, whose listening thread sees the stop only when its poll()
// returns: on a new connection, or after its 2-second timeout. Left alone, every process would spend
// up to 2 s here at exit (`zlaunch run -n 4 /bin/true`: 2.2 s instead of 0.03 s). A helper thread
// knocks on our own port until the exposer is gone, so that poll() returns at once.
Endpoint::~Endpoint() {
  std::atomic<bool> stopped{false};
  const std::string host = local_address_of(bind_address_);
  std::thread knocker([&stopped, &host, port = port_] {
    while (!stopped.load()) {
      knock(host, port);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  exposer_.reset();
  stopped.store(true);
  knocker.join();
}

}  // namespace zl::metrics
