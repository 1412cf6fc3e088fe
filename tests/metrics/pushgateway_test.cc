// The Pushgateway option's address handling, without a gateway: the URL forms accepted and rejected
// by the metrics component (which pushes) and by configtool (which validates metrics.pushgateway and
// --metrics_pushgateway before anything starts), and a push to a port where nothing listens failing
// as an InfrastructureError naming the URL instead of hanging.
#include "zl/metrics/pushgateway.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "http_client.h"
#include "zl/base/error.h"
#include "zl/config/resolve.h"

namespace zl::metrics {
namespace {

config::ResolvedConfig resolve_with_gateway(const std::string& url) {
  config::ResolveRequest request;
  request.flags = {{"metrics_pushgateway", url}};
  request.read_environment = false;
  request.read_default_files = false;
  return config::resolve(request);
}

TEST(PushgatewayUrl, AcceptsHostPortWithOrWithoutScheme) {
  const auto plain = parse_pushgateway_url("127.0.0.1:9091");
  EXPECT_EQ(plain.scheme_host, "http://127.0.0.1");
  EXPECT_EQ(plain.port, "9091");
  const auto https = parse_pushgateway_url("https://gateway.example:443/");
  EXPECT_EQ(https.scheme_host, "https://gateway.example");
  EXPECT_EQ(https.port, "443");
  for (const char* good : {"127.0.0.1:9091", "http://localhost:9091", "https://gw.example:443/"}) {
    EXPECT_EQ(resolve_with_gateway(good).launch.metrics.pushgateway, good) << good;
  }
}

TEST(PushgatewayUrl, RejectsWhatCannotBeAGatewayInBothPlaces) {
  for (const char* bad : {"localhost", "http://localhost", "localhost:0", "localhost:70000", "localhost:port",
                          "http://localhost:9091/metrics", "ftp://localhost:21", ":9091"}) {
    EXPECT_THROW(parse_pushgateway_url(bad), ConfigError) << bad;
    try {
      resolve_with_gateway(bad);
      ADD_FAILURE() << "configtool accepted " << bad;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("metrics.pushgateway"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("--metrics_pushgateway"), std::string::npos)
          << "names the flag: " << e.what();
    }
  }
}

TEST(PushToGateway, NothingListeningIsAnInfrastructureErrorNamingTheUrl) {
  const int port = testing::free_port_range(1);
  ASSERT_GT(port, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto registry = std::make_shared<prometheus::Registry>();
  try {
    push_to_gateway(url, {{"rank", "0"}}, registry, std::chrono::seconds(10));
    FAIL() << "expected the push to fail";
  } catch (const InfrastructureError& e) {
    EXPECT_NE(std::string(e.what()).find(url), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zl::metrics
