// Endpoint: prometheus-cpp Exposer + Registry for one process (see endpoint.h).
#include "zl/metrics/endpoint.h"

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include "zl/base/error.h"

namespace zl::metrics {

Endpoint::Endpoint(const std::string& bind_address, int port)
    : bind_address_(bind_address), registry_(std::make_shared<prometheus::Registry>()) {
  const std::string address = bind_address + ":" + std::to_string(port);
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    throw InfrastructureError("metrics: cannot serve /metrics on " + address + " (" + e.what() +
                              "); choose another metrics.port (0 = any free port) or set metrics.enabled: false");
  }
  exposer_->RegisterCollectable(registry_);
  const auto ports = exposer_->GetListeningPorts();
  port_ = ports.empty() ? port : ports.front();
}

Endpoint::~Endpoint() = default;

}  // namespace zl::metrics
