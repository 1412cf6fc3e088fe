// push_to_gateway() and the URL check (pushgateway.h).
#include "zl/metrics/pushgateway.h"

#include <prometheus/gateway.h>
#include <prometheus/registry.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "zl/base/error.h"

namespace zl::metrics {

PushgatewayAddress parse_pushgateway_url(const std::string& url) {
  const std::string example = " (expected host:port or http://host:port, e.g. http://127.0.0.1:9091)";
  std::string rest = url;
  std::string scheme = "http://";
  for (const char* s : {"http://", "https://"}) {
    if (rest.rfind(s, 0) == 0) {
      scheme = s;
      rest = rest.substr(std::string(s).size());
    }
  }
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find("://") != std::string::npos)
    throw ConfigError("pushgateway URL '" + url + "': only http and https are supported" + example);
  if (rest.find('/') != std::string::npos) {
    throw ConfigError("pushgateway URL '" + url + "' has a path; give the gateway's root" + example);
  }
  const auto colon = rest.rfind(':');
  if (rest.empty() || colon == std::string::npos || colon == 0) {
    throw ConfigError("pushgateway URL '" + url + "' has no host:port" + example);
  }
  const std::string host = rest.substr(0, colon), port = rest.substr(colon + 1);
  char* end = nullptr;
  const long number = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || number < 1 || number > 65535) {
    throw ConfigError("pushgateway URL '" + url + "': '" + port + "' is not a port 1..65535" + example);
  }
  if (host.find_first_of(" \t@?#") != std::string::npos) {
    throw ConfigError("pushgateway URL '" + url + "': '" + host + "' is not a host name or address" + example);
  }
  return {scheme + host, port};
}

void push_to_gateway(const std::string& url, const std::map<std::string, std::string>& grouping,
                     const std::shared_ptr<prometheus::Registry>& registry, std::chrono::milliseconds timeout) {
  const PushgatewayAddress address = parse_pushgateway_url(url);
  prometheus::Labels labels(grouping.begin(), grouping.end());
  // The push runs on its own thread so that the wait is bounded. When it answers in time the thread is
  // joined, so that its thread-local state (OpenSSL's, through libcurl) is released before we return
  // and a process that exits right after a push leaks nothing. On a timeout the thread is detached, left
  // to finish (or to die with the process), and owns everything it touches through `state`.
  struct State {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    int status = 0;
    std::string error;
  };
  auto state = std::make_shared<State>();
  std::thread pusher([state, address, labels, registry] {
    int status = 0;
    std::string error;
    try {
      prometheus::Gateway gateway(address.scheme_host, address.port, kPushJob, labels);
      gateway.RegisterCollectable(registry);
      status = gateway.Push();
    } catch (const std::exception& e) {
      error = e.what();
    }
    const std::lock_guard<std::mutex> lock(state->mutex);
    state->done = true;
    state->status = status;
    state->error = error;
    state->done_cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(state->mutex);
  if (!state->done_cv.wait_for(lock, timeout, [&] { return state->done; })) {
    pusher.detach();
    throw InfrastructureError("pushgateway " + url + ": no answer within " + std::to_string(timeout.count()) + " ms");
  }
  lock.unlock();
  pusher.join();
  if (!state->error.empty()) throw InfrastructureError("pushgateway " + url + ": " + state->error);
  if (state->status < 200 || state->status >= 300) {
    throw InfrastructureError("pushgateway " + url + ": push failed (" +
                              (state->status < 0 ? "curl error " + std::to_string(-state->status)
                                                 : "HTTP status " + std::to_string(state->status)) +
                              ")");
  }
}

}  // namespace zl::metrics
