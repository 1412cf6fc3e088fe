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

class Endpoint {
 public:
  // Binds bind_address:port (port 0 = any free port). Throws zl::InfrastructureError naming the
  // address when it cannot bind (port in use, address not local).
  Endpoint(const std::string& bind_address, int port);
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const std::string& bind_address() const { return bind_address_; }
  [[nodiscard]] prometheus::Registry& registry() { return *registry_; }
  // The same registry, for a second reader that holds it by weak_ptr (the Pushgateway client).
  [[nodiscard]] std::shared_ptr<prometheus::Registry> shared_registry() const { return registry_; }

 private:
  std::string bind_address_;
  int port_ = 0;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace zl::metrics
