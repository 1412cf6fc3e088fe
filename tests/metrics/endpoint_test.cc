// Endpoint serves its registry over real HTTP on loopback; a busy port is traded for a free one (said
// through port() != requested_port()); an address that is not local is a clear error.
#include "zl/metrics/endpoint.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "zl/base/error.h"

namespace zl::metrics {
namespace {

TEST(Endpoint, ServesRegisteredMetricsOnAnyFreePort) {
  Endpoint endpoint("127.0.0.1", 0);
  ASSERT_GT(endpoint.port(), 0);
  auto& family = prometheus::BuildCounter()
                     .Name("zlaunch_test_events_total")
                     .Help("Events seen by the test")
                     .Register(endpoint.registry());
  family.Add({{"kind", "probe"}}).Increment(3);
  const testing::HttpResponse page = testing::http_get(endpoint.port(), "/metrics");
  EXPECT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("zlaunch_test_events_total{kind=\"probe\"} 3"), std::string::npos) << page.body;
}

TEST(Endpoint, BusyPortIsTradedForAFreeOneThatReallyServes) {
  Endpoint first("127.0.0.1", 0);
  Endpoint second("127.0.0.1", first.port());
  EXPECT_EQ(second.requested_port(), first.port());
  ASSERT_GT(second.port(), 0);
  EXPECT_NE(second.port(), first.port());
  prometheus::BuildCounter().Name("zlaunch_test_second_total").Help("second").Register(second.registry()).Add({});
  const testing::HttpResponse page = testing::http_get(second.port(), "/metrics");
  EXPECT_NE(page.body.find("zlaunch_test_second_total"), std::string::npos) << page.body;
  EXPECT_EQ(second.scrape_address(), "127.0.0.1:" + std::to_string(second.port()));
}

TEST(Endpoint, AddressThatIsNotLocalIsAnInfrastructureErrorNamingIt) {
  // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never an address of this machine.
  try {
    Endpoint endpoint("192.0.2.1", 9470);
    FAIL() << "expected the bind to fail";
  } catch (const InfrastructureError& e) {
    EXPECT_NE(std::string(e.what()).find("192.0.2.1:9470"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("metrics.bind"), std::string::npos) << e.what();
  }
}

TEST(Endpoint, WildcardBindIsScrapedAtTheHostname) {
  EXPECT_EQ(scrape_host("0.0.0.0", "node7"), "node7");
  EXPECT_EQ(scrape_host("::", "node7"), "node7");
  EXPECT_EQ(scrape_host("10.1.2.3", "node7"), "10.1.2.3");
}

// A connection to 127.0.0.1:port that sends half a request and then nothing.
int stalled_client(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return -1;
  const char half[] = "GET /metr";
  if (::write(fd, half, sizeof(half) - 1) < 0) return -1;
  return fd;
}

// Clients that send half a request and stall (a broken scraper, a port scanner) do not blind the
// endpoint: with them connected, a normal scrape is answered within 1 s. Before, two of them held both
// serving threads for civetweb's 30 s request timeout.
TEST(Endpoint, StalledClientsDoNotBlindTheEndpoint) {
  Endpoint endpoint("127.0.0.1", 0);
  prometheus::BuildCounter().Name("zlaunch_test_alive_total").Help("alive").Register(endpoint.registry()).Add({});
  std::vector<int> stalled;
  for (int i = 0; i < 4; ++i) stalled.push_back(stalled_client(endpoint.port()));
  for (const int fd : stalled) ASSERT_GE(fd, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the stalled requests hold their threads
  const testing::HttpResponse page = testing::http_get(endpoint.port(), "/metrics", std::chrono::seconds(1));
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("zlaunch_test_alive_total"), std::string::npos) << page.body;
  for (const int fd : stalled) ::close(fd);
}

// civetweb asks for 100 KiB thread stacks, which the static TLS of OpenBLAS, NCCL and cuBLAS would
// eat (metrics/src/thread_stack_floor.cc): in a program linking zlaunch::metrics, a small request is
// raised to the floor, and a large one is kept.
TEST(Endpoint, ThreadStacksRequestedByLibrariesGetTheFloor) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  std::size_t size = 0;
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 102400), 0);
  ASSERT_EQ(pthread_attr_getstacksize(&attr, &size), 0);
  EXPECT_EQ(size, std::size_t{1} << 20);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, std::size_t{8} << 20), 0);
  ASSERT_EQ(pthread_attr_getstacksize(&attr, &size), 0);
  EXPECT_EQ(size, std::size_t{8} << 20);
  pthread_attr_destroy(&attr);
}

}  // namespace
}  // namespace zl::metrics
