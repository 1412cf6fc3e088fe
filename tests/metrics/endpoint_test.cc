// Endpoint serves its registry over real HTTP on loopback; a busy port is a clear error.
#include "zl/metrics/endpoint.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "zl/base/error.h"

namespace zl::metrics {
namespace {

std::string http_get(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  [[maybe_unused]] auto sent = send(fd, request.data(), request.size(), 0);
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) response.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  return response;
}

TEST(Endpoint, ServesRegisteredMetricsOnAnyFreePort) {
  Endpoint endpoint("127.0.0.1", 0);
  ASSERT_GT(endpoint.port(), 0);
  auto& family = prometheus::BuildCounter().Name("zlaunch_test_events_total").Help("Events seen by the test").Register(endpoint.registry());
  family.Add({{"kind", "probe"}}).Increment(3);
  const std::string page = http_get(endpoint.port(), "/metrics");
  EXPECT_NE(page.find("200 OK"), std::string::npos) << page;
  EXPECT_NE(page.find("zlaunch_test_events_total{kind=\"probe\"} 3"), std::string::npos) << page;
}

TEST(Endpoint, BusyPortIsAnInfrastructureErrorNamingTheAddress) {
  Endpoint first("127.0.0.1", 0);
  try {
    Endpoint second("127.0.0.1", first.port());
    FAIL() << "expected the second bind to fail";
  } catch (const InfrastructureError& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(first.port())), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zl::metrics
