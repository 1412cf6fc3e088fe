// Client of the rendezvous store (DESIGN.md §3): used by launchers joining machine 0 and by ranks
// (the runtime's Gloo store adapter, NCCL unique-id exchange, progress reports).
//
// Every request has a deadline: blocking GET/WAIT wait at most their timeout on the server plus
// io_timeout for the round trip; others wait io_timeout. Failures throw zl::InfrastructureError
// (exit code 3) naming the store's address; a timed-out GET/WAIT throws StoreTimeoutError naming the
// keys still missing. Thread safety: one request at a time per client (an internal mutex serializes
// callers); use one client per thread for concurrency.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "zl/base/error.h"
#include "zl/store/socket_io.h"
#include "zl/store/store_keys.h"

namespace zl::store {

class StoreTimeoutError : public InfrastructureError {
 public:
  using InfrastructureError::InfrastructureError;
};

struct StoreAddress {
  std::string host;
  int port = 0;
  // "host:port" or "[v6addr]:port"; throws UsageError naming the text when malformed.
  static StoreAddress parse(const std::string& host_port);
  [[nodiscard]] std::string to_string() const;
};

struct StoreClientOptions {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};  // retries until the server is up
  std::chrono::milliseconds io_timeout{std::chrono::seconds(30)};       // round trip of one request
};

class StoreClient {
 public:
  using Options = StoreClientOptions;

  // Connects and sends HELLO; a refused token throws InfrastructureError saying so.
  StoreClient(const StoreAddress& address, const std::string& token, const Options& options);
  StoreClient(const StoreAddress& address, const std::string& token) : StoreClient(address, token, Options{}) {}

  // The client a rank builds from its environment: ZLAUNCH_STORE and ZLAUNCH_STORE_TOKEN. Throws
  // UsageError when they are absent (not launched by zlaunch run).
  static StoreClient from_environment(const Options& options = Options{});

  void set(const std::string& key, const std::string& value);
  // Blocks until the key exists or timeout passes (then throws StoreTimeoutError naming the key).
  std::string get(const std::string& key, std::chrono::milliseconds timeout);
  // The value if present now, without waiting.
  std::optional<std::string> try_get(const std::string& key);
  // Atomically adds delta to the integer at key (absent = 0) and returns the new value.
  std::int64_t add(const std::string& key, std::int64_t delta);
  // True when every key exists.
  bool check(const std::vector<std::string>& keys);
  // Blocks until every key exists; on timeout throws StoreTimeoutError naming the missing keys.
  void wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout);
  // torch.distributed.Store::compare_set semantics (store_protocol.h); returns the value stored now.
  std::string compare_set(const std::string& key, const std::string& expected, const std::string& desired);
  // Removes the key; true when it existed.
  bool remove(const std::string& key);

  [[nodiscard]] const StoreAddress& address() const { return address_; }

 private:
  std::string round_trip(const std::string& frame, std::chrono::milliseconds server_wait, const char* op,
                         bool* timed_out);

  StoreAddress address_;
  Options options_;
  net::Fd fd_;
  std::mutex mutex_;
};

// A view of a client that prepends a fixed prefix to every key, e.g. PrefixStore(client,
// attempt_prefix(n)). Holds a reference: the client must outlive it.
class PrefixStore {
 public:
  PrefixStore(StoreClient& client, std::string prefix) : client_(client), prefix_(std::move(prefix)) {}
  void set(const std::string& key, const std::string& value) { client_.set(prefix_ + key, value); }
  std::string get(const std::string& key, std::chrono::milliseconds timeout) {
    return client_.get(prefix_ + key, timeout);
  }
  std::optional<std::string> try_get(const std::string& key) { return client_.try_get(prefix_ + key); }
  std::int64_t add(const std::string& key, std::int64_t delta) { return client_.add(prefix_ + key, delta); }
  bool check(const std::vector<std::string>& keys) { return client_.check(prefixed(keys)); }
  void wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) {
    client_.wait(prefixed(keys), timeout);
  }
  std::string compare_set(const std::string& key, const std::string& expected, const std::string& desired) {
    return client_.compare_set(prefix_ + key, expected, desired);
  }
  bool remove(const std::string& key) { return client_.remove(prefix_ + key); }
  [[nodiscard]] const std::string& prefix() const { return prefix_; }
  [[nodiscard]] StoreClient& client() { return client_; }

 private:
  [[nodiscard]] std::vector<std::string> prefixed(const std::vector<std::string>& keys) const;
  StoreClient& client_;
  std::string prefix_;
};

}  // namespace zl::store
