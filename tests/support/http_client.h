// Test support: a minimal HTTP/1.0 GET on loopback, for scraping /metrics and querying Prometheus' API.
#pragma once

#include <chrono>
#include <string>

namespace zl::testing {

struct HttpResponse {
  int status = 0;  // 0 when the connection failed
  std::string body;
};

HttpResponse http_get(int port, const std::string& path_and_query,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Percent-encodes a query parameter value.
std::string url_encode(const std::string& value);

// A TCP port on 127.0.0.1 that was free a moment ago, with `count` consecutive free ports from it.
int free_port_range(int count);

}  // namespace zl::testing
