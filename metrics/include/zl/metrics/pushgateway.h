// The Pushgateway option for jobs too short to be scraped (DESIGN.md §5, docs/metrics.md): a process
// pushes its registry's final values once, at exit, to a Prometheus Pushgateway (prometheus-cpp push).
// A rank pushes under job="zlaunch" with the grouping key {run_id, rank}; the launcher under
// {run_id, node, role="launcher"}. The push replaces that group on the gateway (HTTP PUT), so a
// restarted attempt's final values replace the failed attempt's.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace prometheus {
class Registry;
}

namespace zl::metrics {

// The job label of every push.
inline constexpr const char* kPushJob = "zlaunch";

struct PushgatewayAddress {
  std::string scheme_host;  // "http://127.0.0.1" (the scheme defaults to http)
  std::string port;         // "9091"
};

// Accepts "[http://|https://]host:port[/]" with a port 1..65535 (no path: the gateway's API lives at
// /metrics/job/... on the root). Throws zl::ConfigError saying what is
// wrong with `url` and giving an example.
PushgatewayAddress parse_pushgateway_url(const std::string& url);

// Pushes registry's current values under {job=kPushJob} plus `grouping`. Waits at most `timeout` for
// the gateway (an unreachable one must not keep a finished rank alive); throws zl::InfrastructureError
// naming the URL and the HTTP status or curl error when the push fails or times out.
void push_to_gateway(const std::string& url, const std::map<std::string, std::string>& grouping,
                     const std::shared_ptr<prometheus::Registry>& registry,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace zl::metrics
