// Endpoint serves its registry over real HTTP on loopback; a busy port is a clear error.
#include "zl/metrics/endpoint.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <pthread.h>

#include <string>

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

TEST(Endpoint, BusyPortIsAnInfrastructureErrorNamingTheAddress) {
  Endpoint first("127.0.0.1", 0);
  try {
    Endpoint second("127.0.0.1", first.port());
    FAIL() << "expected the second bind to fail";
  } catch (const InfrastructureError& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(first.port())), std::string::npos) << e.what();
  }
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
