// Client of the rendezvous store (store_client.h): one blocking socket, one request at a time.
#include "zl/store/store_client.h"

#include <algorithm>
#include <cstdlib>

#include "zl/store/store_protocol.h"
#include "zl/store/store_request.h"

namespace zl::store {
namespace {

namespace proto = protocol;
using net::Clock;

std::uint32_t clamp_ms(std::chrono::milliseconds timeout) {
  return static_cast<std::uint32_t>(std::clamp<long long>(timeout.count(), 0, proto::kMaxWaitMs));
}

void check_key(const std::string& key) {
  if (key.size() > proto::kMaxKeyBytes) {
    throw UsageError("rendezvous store: key of " + std::to_string(key.size()) + " bytes exceeds the 4096-byte limit");
  }
}

void check_value(const std::string& value) {
  if (value.size() > proto::kMaxValueBytes) {
    throw UsageError("rendezvous store: value of " + std::to_string(value.size()) + " bytes exceeds the 64 MiB limit");
  }
}

proto::Request keyed(proto::Opcode op, const std::string& key) {
  proto::Request request;
  request.op = op;
  request.keys = {key};
  return request;
}

std::string frame_of(const proto::Request& request) { return proto::frame(proto::encode_request(request)); }

}  // namespace

StoreAddress StoreAddress::parse(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  StoreAddress address;
  if (colon != std::string::npos && colon > 0) {
    address.host = host_port.substr(0, colon);
    if (address.host.size() > 2 && address.host.front() == '[' && address.host.back() == ']') {
      address.host = address.host.substr(1, address.host.size() - 2);
    }
    const std::string port = host_port.substr(colon + 1);
    char* end = nullptr;
    const long value = std::strtol(port.c_str(), &end, 10);
    if (!port.empty() && *end == '\0' && value > 0 && value < 65536) {
      address.port = static_cast<int>(value);
      return address;
    }
  }
  throw UsageError("store address '" + host_port + "' is not host:port with a port in 1..65535");
}

std::string StoreAddress::to_string() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

StoreClient::StoreClient(const StoreAddress& address, const std::string& token, const Options& options)
    : address_(address), options_(options) {
  const std::string where = "rendezvous store at " + address_.to_string();
  try {
    fd_ = net::connect_tcp(address_.host, address_.port, Clock::now() + options_.connect_timeout);
  } catch (const InfrastructureError& e) {
    throw InfrastructureError(
        std::string("cannot reach the ") + where + " within " +
        std::to_string(options_.connect_timeout.count() / 1000.0).substr(0, 5) + " s: " + e.what() +
        " (is machine 0's launcher running, and are --main_process_ip/--main_process_port right?)");
  }
  proto::Request hello;
  hello.op = proto::Opcode::kHello;
  hello.value = token;
  round_trip(frame_of(hello), std::chrono::milliseconds(0), "HELLO", nullptr);
}

StoreClient StoreClient::from_environment(const Options& options) {
  const char* store = std::getenv("ZLAUNCH_STORE");
  const char* token = std::getenv("ZLAUNCH_STORE_TOKEN");
  if (store == nullptr || token == nullptr) {
    throw UsageError("ZLAUNCH_STORE and ZLAUNCH_STORE_TOKEN are not set: start this program with `zlaunch run`");
  }
  return StoreClient(StoreAddress::parse(store), token, options);
}

std::string StoreClient::round_trip(const std::string& frame, std::chrono::milliseconds server_wait, const char* op,
                                    bool* timed_out) {
  const std::string what = std::string("rendezvous store at ") + address_.to_string() + ": " + op;
  if (!fd_.valid()) throw InfrastructureError(what + ": the connection was closed after an earlier error");
  const auto deadline = Clock::now() + server_wait + options_.io_timeout;
  try {
    net::send_all(fd_.get(), frame, deadline, what);
    char header[4];
    net::recv_exact(fd_.get(), header, 4, deadline, what);
    const std::uint32_t length = proto::Reader(std::string_view(header, 4)).u32();
    if (length == 0 || length > proto::kMaxFrameBytes) throw InfrastructureError(what + ": malformed reply");
    std::string payload(length, '\0');
    net::recv_exact(fd_.get(), payload.data(), length, deadline, what);
    const auto status = static_cast<proto::Status>(static_cast<std::uint8_t>(payload[0]));
    if (status == proto::Status::kOk) return payload.substr(1);
    if (status == proto::Status::kTimeout && timed_out != nullptr) {
      *timed_out = true;
      return {};
    }
    proto::Reader r(std::string_view(payload).substr(1));
    const std::string message = r.bytes(proto::kMaxValueBytes);
    throw InfrastructureError(what + " refused: " + (message.empty() ? "unexpected reply" : message));
  } catch (const InfrastructureError&) {
    fd_.reset();  // the stream may be mid-frame: never reuse it
    throw;
  }
}

void StoreClient::set(const std::string& key, const std::string& value) {
  check_key(key);
  check_value(value);
  std::lock_guard lock(mutex_);
  proto::Request request = keyed(proto::Opcode::kSet, key);
  request.value = value;
  round_trip(frame_of(request), std::chrono::milliseconds(0), "SET", nullptr);
}

std::string StoreClient::get(const std::string& key, std::chrono::milliseconds timeout) {
  check_key(key);
  std::lock_guard lock(mutex_);
  proto::Request request = keyed(proto::Opcode::kGet, key);
  request.timeout_ms = clamp_ms(timeout);
  bool timed_out = false;
  const std::string reply = round_trip(frame_of(request), timeout, "GET", &timed_out);
  if (timed_out) {
    throw StoreTimeoutError("rendezvous store at " + address_.to_string() + ": key '" + key +
                            "' did not appear within " + std::to_string(timeout.count()) + " ms");
  }
  proto::Reader r(reply);
  return r.bytes(proto::kMaxValueBytes);
}

std::optional<std::string> StoreClient::try_get(const std::string& key) {
  try {
    return get(key, std::chrono::milliseconds(0));
  } catch (const StoreTimeoutError&) {
    return std::nullopt;
  }
}

std::int64_t StoreClient::add(const std::string& key, std::int64_t delta) {
  check_key(key);
  std::lock_guard lock(mutex_);
  proto::Request request = keyed(proto::Opcode::kAdd, key);
  request.delta = delta;
  const std::string reply = round_trip(frame_of(request), std::chrono::milliseconds(0), "ADD", nullptr);
  proto::Reader r(reply);
  return r.i64();
}

bool StoreClient::check(const std::vector<std::string>& keys) {
  std::lock_guard lock(mutex_);
  for (const auto& key : keys) check_key(key);
  proto::Request request;
  request.op = proto::Opcode::kCheck;
  request.keys = keys;
  const std::string reply = round_trip(frame_of(request), std::chrono::milliseconds(0), "CHECK", nullptr);
  proto::Reader r(reply);
  return r.u8() != 0;
}

void StoreClient::wait(const std::vector<std::string>& keys, std::chrono::milliseconds timeout) {
  bool timed_out = false;
  {
    std::lock_guard lock(mutex_);
    for (const auto& key : keys) check_key(key);
    proto::Request request;
    request.op = proto::Opcode::kWait;
    request.keys = keys;
    request.timeout_ms = clamp_ms(timeout);
    round_trip(frame_of(request), timeout, "WAIT", &timed_out);
  }
  if (!timed_out) return;
  std::string missing;
  for (const auto& key : keys) {
    if (!check({key})) missing += (missing.empty() ? "'" : ", '") + key + "'";
  }
  throw StoreTimeoutError("rendezvous store at " + address_.to_string() + ": waited " +
                          std::to_string(timeout.count()) + " ms; still missing: " + missing);
}

std::string StoreClient::compare_set(const std::string& key, const std::string& expected, const std::string& desired) {
  check_key(key);
  check_value(expected);
  check_value(desired);
  std::lock_guard lock(mutex_);
  proto::Request request = keyed(proto::Opcode::kCompareSet, key);
  request.expected = expected;
  request.value = desired;
  const std::string reply = round_trip(frame_of(request), std::chrono::milliseconds(0), "COMPARE_SET", nullptr);
  proto::Reader r(reply);
  return r.bytes(proto::kMaxValueBytes);
}

bool StoreClient::remove(const std::string& key) {
  check_key(key);
  std::lock_guard lock(mutex_);
  const std::string reply =
      round_trip(frame_of(keyed(proto::Opcode::kDelete, key)), std::chrono::milliseconds(0), "DELETE", nullptr);
  proto::Reader r(reply);
  return r.u8() != 0;
}

std::vector<std::string> PrefixStore::prefixed(const std::vector<std::string>& keys) const {
  std::vector<std::string> out;
  out.reserve(keys.size());
  for (const auto& key : keys) out.push_back(prefix_ + key);
  return out;
}

}  // namespace zl::store
