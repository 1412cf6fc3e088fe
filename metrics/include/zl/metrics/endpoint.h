// Endpoint: one process's Prometheus registry and the HTTP exposer serving it on /metrics.
//
// Contract: created once per process at start-up (never on a hot path); metric handles are created
// from registry() right after and kept. Thread-safe as prometheus-cpp is: handles may be updated from
// any thread while the exposer's own threads serve scrapes.
#pragma once

#include <memory>
#include <string>

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace zl::metrics {

// The host Prometheus should scrape for a server bound to bind_address: the bind address, or
// `hostname` for a wildcard bind (0.0.0.0, ::, "").
std::string scrape_host(const std::string& bind_address, const std::string& hostname);

// This machine's hostname ("localhost" when it has none).
std::string this_hostname();

class Endpoint {
 public:
  // Binds bind_address:port (port 0 = any free port). When that port cannot be bound (another run
  // holds it), binds any free port instead: port() != requested_port() then, and the owner says so and
  // publishes the port it really serves. Throws zl::InfrastructureError naming the address when no
  // port can be bound there (an address that is not local).
  Endpoint(const std::string& bind_address, int port);
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] int requested_port() const { return requested_port_; }
  // "host:port" for Prometheus to scrape: the bind address, or this machine's hostname for a wildcard
  // bind (0.0.0.0, ::); IPv6 addresses in brackets.
  [[nodiscard]] std::string scrape_address() const;
  [[nodiscard]] const std::string& bind_address() const { return bind_address_; }
  [[nodiscard]] prometheus::Registry& registry() { return *registry_; }
  // The same registry, for a second reader that holds it by weak_ptr (the Pushgateway client).
  [[nodiscard]] std::shared_ptr<prometheus::Registry> shared_registry() const { return registry_; }

 private:
  std::string bind_address_;
  int port_ = 0;
  int requested_port_ = 0;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace zl::metrics
