// Debian's Prometheus server as the metrics tests run it: a child process on loopback with a given
// config, ready when /-/ready answers, queried through its HTTP API; stopped with SIGTERM at the end.
// Also the helpers every scrape test needs: reading a file, the template with 1 s intervals, and the
// value of an instant-query sample.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "http_client.h"

namespace zl::testing {

using nlohmann::json;

inline constexpr const char* kPrometheus = "/usr/bin/prometheus";
inline constexpr const char* kPromtool = "/usr/bin/promtool";

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class PrometheusServer {
 public:
  PrometheusServer(const std::string& config, const std::string& data_dir, int port) : port_(port) {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string c = "--config.file=" + config, d = "--storage.tsdb.path=" + data_dir,
                        w = "--web.listen-address=127.0.0.1:" + std::to_string(port);
      freopen("/dev/null", "w", stdout);
      freopen((data_dir + ".log").c_str(), "w", stderr);
      execl(kPrometheus, kPrometheus, c.c_str(), d.c_str(), w.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~PrometheusServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  bool wait_ready() const {
    for (int i = 0; i < 100; ++i) {
      if (http_get(port_, "/-/ready").status == 200) return true;
      usleep(200000);
    }
    return false;
  }
  // The result vector of an instant query.
  json query(const std::string& promql) const {
    const auto r = http_get(port_, "/api/v1/query?query=" + url_encode(promql));
    const json body = json::parse(r.body.empty() ? "{}" : r.body, nullptr, false);
    if (!body.is_object() || body.value("status", "") != "success") {
      ADD_FAILURE() << "query failed: " << promql << "\n" << r.body;
      return json::array();
    }
    return body["data"]["result"];
  }

 private:
  pid_t pid_;
  int port_;
};

// templates/prometheus.yml with 1 s scrape and refresh intervals, so that a short run is scraped often.
inline std::string fast_prometheus_config(const std::string& source_dir) {
  std::string config = read_file(source_dir + "/templates/prometheus.yml");
  config = std::regex_replace(config, std::regex("scrape_interval: 5s"), "scrape_interval: 1s");
  return std::regex_replace(config, std::regex("refresh_interval: 5s"), "refresh_interval: 1s");
}

inline double value_of(const json& sample) { return std::stod(sample["value"][1].get<std::string>()); }

}  // namespace zl::testing
