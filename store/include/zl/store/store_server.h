// The rendezvous store's TCP server (DESIGN.md §3), run by the launcher of machine 0 and by nothing else.
//
// One background thread runs a poll() loop over the listening socket and every connection; blocking
// GET/WAIT requests are parked with their deadline, so a slow or silent client never delays another.
// Connections must start with HELLO carrying the protocol version and the run's token; anything
// malformed, oversized or unauthenticated gets an error reply and the connection is closed. The
// server itself never stops serving well-formed clients because of a bad one: peers before HELLO have
// their own small budget (64, oldest evicted first) and a 2 s deadline, so they can never take the
// slots of authenticated clients, and a client that disconnects while its GET/WAIT is parked is
// noticed and freed at once.
#pragma once

#include <memory>
#include <string>

namespace zl::store {

class StoreServer {
 public:
  struct Options {
    std::string bind_address = "0.0.0.0";
    int port = 0;       // 0 = a free port (read it back with port())
    std::string token;  // the run's secret; clients presenting another one are refused
  };

  // Binds and starts serving; throws InfrastructureError when the port is in use or cannot be bound.
  explicit StoreServer(const Options& options);
  ~StoreServer();  // stops the thread and closes every connection
  StoreServer(const StoreServer&) = delete;
  StoreServer& operator=(const StoreServer&) = delete;

  [[nodiscard]] int port() const;
  // Number of open client connections, authenticated or not (for tests, metrics and the launcher's
  // diagnostics); a connection is counted until the loop thread has closed its socket.
  [[nodiscard]] int connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zl::store
