// The rendezvous store server (store_server.h): a poll() loop on one thread. Thread safety: all state
// below Impl::data_ and Impl::connections_ is touched only by the loop thread; the public accessors
// read atomics.
#include "zl/store/store_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <list>
#include <thread>
#include <unordered_map>
#include <vector>

#include "zl/base/error.h"
#include "zl/store/socket_io.h"
#include "zl/store/store_protocol.h"
#include "zl/store/store_request.h"

namespace zl::store {
namespace {

namespace proto = protocol;
using net::Clock;

constexpr std::size_t kMaxConnections = 4096;
// Connections that have not yet presented the token have their own small budget and a short deadline,
// so silent or hostile local peers can never starve authenticated ones: when the budget is full, a
// new connection evicts the oldest unauthenticated one (a real client sends HELLO at once, so it is
// the newest, not the oldest). Only a peer that has had a read pass is evicted: when a burst of
// clients (many ranks starting together) fills the budget within one accept round, the rest wait in
// the kernel's backlog until the next round, after the burst's HELLOs were read. So the budget may be
// exceeded by one for one loop pass.
constexpr std::size_t kMaxUnauthenticated = 64;
constexpr auto kHelloTimeout = std::chrono::seconds(2);
constexpr std::size_t kReadChunk = 1 << 16;

// One parked GET or WAIT.
struct Pending {
  bool active = false;
  proto::Opcode op = proto::Opcode::kGet;
  std::vector<std::string> keys;
  Clock::time_point deadline;
};

struct Connection {
  net::Fd fd;
  std::string in;
  std::string out;
  bool authenticated = false;
  bool closing = false;  // close once `out` is flushed
  Pending pending;
  Clock::time_point accepted_at = Clock::now();
  std::uint64_t accept_round = 0;  // Impl::accept_round when this connection was accepted
};

bool equal_in_constant_time(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

struct StoreServer::Impl {
  std::string token;
  net::Fd listener;
  net::Fd wake;  // eventfd: stop request
  int port = 0;
  std::atomic<int> connections_open{0};
  std::size_t unauthenticated = 0;  // entries of `connections` with !authenticated, closing ones included
  std::uint64_t accept_round = 0;   // counts accept_all() calls
  std::unordered_map<std::string, std::string> data;
  std::list<Connection> connections;
  std::thread thread;

  void loop();
  void accept_all();
  bool evict_oldest_unauthenticated();
  void read_from(Connection& c);
  void process_frames(Connection& c);
  void process_frames_unchecked(Connection& c);
  void handle(Connection& c, std::string_view payload);
  void resolve_pending(Connection& c, bool deadline_passed);
  void after_mutation();
  static bool has_complete_frame(const Connection& c);
  // Before HELLO succeeds a peer may send only a small frame.
  static std::size_t frame_limit(const Connection& c) {
    return c.authenticated ? proto::kMaxFrameBytes : proto::kMaxHelloFrameBytes;
  }
  void flush(Connection& c);

  static void reply_error(Connection& c, const std::string& message) {
    c.out += proto::Writer().u8(static_cast<std::uint8_t>(proto::Status::kError)).bytes(message).frame();
    c.closing = true;
    c.in.clear();
  }
  static void reply(Connection& c, const proto::Writer& body) { c.out += body.frame(); }
  static proto::Writer ok() {
    proto::Writer w;
    w.u8(static_cast<std::uint8_t>(proto::Status::kOk));
    return w;
  }
};

StoreServer::StoreServer(const Options& options) : impl_(std::make_unique<Impl>()) {
  impl_->token = options.token;
  impl_->listener = net::listen_tcp(options.bind_address, options.port);
  impl_->port = net::local_port(impl_->listener.get());
  // accept_all() drains the backlog until EAGAIN: the listener must not block.
  ::fcntl(impl_->listener.get(), F_SETFL, ::fcntl(impl_->listener.get(), F_GETFL) | O_NONBLOCK);
  impl_->wake = net::Fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!impl_->wake.valid()) throw SystemError("rendezvous store: eventfd", errno);
  impl_->thread = std::thread([impl = impl_.get()] { impl->loop(); });
}

StoreServer::~StoreServer() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(impl_->wake.get(), &one, sizeof(one));
  if (impl_->thread.joinable()) impl_->thread.join();
}

int StoreServer::port() const { return impl_->port; }
int StoreServer::connection_count() const { return impl_->connections_open.load(); }

void StoreServer::Impl::loop() {
  std::vector<pollfd> fds;
  std::vector<Connection*> owners;
  while (true) {
    fds.clear();
    owners.clear();
    fds.push_back({wake.get(), POLLIN, 0});
    fds.push_back({listener.get(), POLLIN, 0});
    auto next_deadline = Clock::now() + std::chrono::seconds(1);
    for (auto& c : connections) {
      short events = 0;
      if (!c.pending.active && !c.closing) events |= POLLIN;
      // A parked GET/WAIT reads nothing, but must still notice the peer leaving (else the socket sits
      // in CLOSE_WAIT until the deadline, up to 24 h). A peer that half-closes after its request is
      // treated as gone too.
      if (c.pending.active && !c.closing) events |= POLLRDHUP;
      if (!c.out.empty()) events |= POLLOUT;
      if (c.pending.active) next_deadline = std::min(next_deadline, c.pending.deadline);
      fds.push_back({c.fd.get(), events, 0});
      owners.push_back(&c);
    }
    const auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(next_deadline - Clock::now()).count();
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::clamp<long long>(wait_ms + 1, 0, 1000)));
    if (ready < 0 && errno != EINTR) continue;
    if (fds[0].revents != 0) return;
    for (std::size_t i = 0; i < owners.size(); ++i) {
      Connection& c = *owners[i];
      const short rev = fds[i + 2].revents;
      try {
        if (rev & (POLLERR | POLLNVAL)) {
          c.closing = true;
          c.out.clear();
          continue;
        }
        if (rev & POLLOUT) flush(c);
        if (rev & (POLLIN | POLLHUP | POLLRDHUP)) read_from(c);
      } catch (const std::exception&) {
        // One connection's trouble (allocation failure on a huge frame...) closes that connection only.
        c.closing = true;
        c.out.clear();
      }
    }
    // After the pass over `owners`: accepting may erase an evicted connection, which would leave a
    // dangling pointer there.
    if (fds[1].revents & POLLIN) accept_all();
    const auto now = Clock::now();
    for (auto& c : connections) {
      if (c.pending.active && now >= c.pending.deadline) resolve_pending(c, true);
      if (!c.authenticated && !c.closing && now - c.accepted_at > kHelloTimeout) {
        c.closing = true;
        c.out.clear();
      }
    }
    for (bool progress = true; progress;) {
      progress = false;
      for (auto& c : connections) {
        if (has_complete_frame(c)) {
          process_frames(c);
          progress = true;
        }
      }
    }
    for (auto& c : connections) {
      if (!c.out.empty()) flush(c);
    }
    for (auto it = connections.begin(); it != connections.end();) {
      if (it->closing && it->out.empty()) {
        if (!it->authenticated) --unauthenticated;
        it = connections.erase(it);
        --connections_open;
      } else {
        ++it;
      }
    }
  }
}

void StoreServer::Impl::accept_all() {
  ++accept_round;
  while (true) {
    net::Fd fd(::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) return;
    bool room = true;
    while (unauthenticated >= kMaxUnauthenticated && (room = evict_oldest_unauthenticated())) {
    }
    if (connections.size() >= kMaxConnections) continue;  // closed at once by Fd's destructor
    connections.emplace_back();
    connections.back().fd = std::move(fd);
    connections.back().accept_round = accept_round;
    ++connections_open;
    ++unauthenticated;
    if (!room) return;  // every peer before HELLO arrived this round: read their HELLOs first
  }
}

// Erases the oldest connection before HELLO unless it was accepted in the current round (it has not
// been read yet); false when there is none to evict.
bool StoreServer::Impl::evict_oldest_unauthenticated() {
  // `connections` is in accept order, so the first unauthenticated entry is the oldest.
  const auto it =
      std::find_if(connections.begin(), connections.end(), [](const Connection& c) { return !c.authenticated; });
  if (it == connections.end() || it->accept_round == accept_round) return false;
  connections.erase(it);
  --unauthenticated;
  --connections_open;
  return true;
}

void StoreServer::Impl::flush(Connection& c) {
  while (!c.out.empty()) {
    const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.out.erase(0, static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      return;
    } else {
      c.out.clear();
      c.closing = true;
      return;
    }
  }
}

void StoreServer::Impl::read_from(Connection& c) {
  char buffer[kReadChunk];
  const ssize_t n = ::recv(c.fd.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    c.closing = true;  // peer went away: drop whatever it had half-sent
    c.out.clear();
    c.pending.active = false;
    return;
  }
  if (n > 0) c.in.append(buffer, static_cast<std::size_t>(n));
  process_frames(c);
}

void StoreServer::Impl::process_frames(Connection& c) {
  try {
    process_frames_unchecked(c);
  } catch (const std::exception&) {
    c.closing = true;  // e.g. allocation failure on a huge frame: this connection only
    c.out.clear();
  }
}

void StoreServer::Impl::process_frames_unchecked(Connection& c) {
  while (!c.closing && !c.pending.active) {
    const auto scan = proto::scan_frame(c.in, frame_limit(c));
    if (scan.kind == proto::FrameScan::Kind::kIncomplete) return;
    if (scan.kind == proto::FrameScan::Kind::kTooLarge) {
      return reply_error(c, "frame of " + std::to_string(scan.length) + " bytes exceeds the limit of " +
                                std::to_string(frame_limit(c)));
    }
    const std::string payload(scan.payload);
    c.in.erase(0, scan.consumed);
    handle(c, payload);
  }
}

void StoreServer::Impl::handle(Connection& c, std::string_view payload) {
  const auto op = payload.empty() ? 0 : static_cast<std::uint8_t>(payload[0]);
  const auto hello = static_cast<std::uint8_t>(proto::Opcode::kHello);
  if (!c.authenticated && op != hello) return reply_error(c, "the first request must be HELLO");
  if (c.authenticated && op == hello) return reply_error(c, "HELLO sent twice");
  auto decoded = proto::decode_request(payload);
  if (!decoded.request) return reply_error(c, decoded.error);
  proto::Request& request = *decoded.request;
  switch (request.op) {
    case proto::Opcode::kHello:
      if (request.version != proto::kProtocolVersion) {
        return reply_error(c, "protocol version " + std::to_string(request.version) +
                                  " is not supported (server speaks " + std::to_string(proto::kProtocolVersion) + ")");
      }
      if (!equal_in_constant_time(request.value, token)) {
        return reply_error(c, "unknown token: this store belongs to another run (check ZLAUNCH_STORE_TOKEN)");
      }
      c.authenticated = true;
      --unauthenticated;
      return reply(c, ok());
    case proto::Opcode::kSet:
      data[std::move(request.keys.front())] = std::move(request.value);
      reply(c, ok());
      return after_mutation();
    case proto::Opcode::kGet:
    case proto::Opcode::kWait: {
      const auto deadline = Clock::now() + std::chrono::milliseconds(request.timeout_ms);
      c.pending = Pending{true, request.op, std::move(request.keys), deadline};
      return resolve_pending(c, request.timeout_ms == 0);  // a zero timeout answers at once (try_get)
    }
    case proto::Opcode::kAdd: {
      const std::string& key = request.keys.front();
      std::int64_t value = 0;
      if (auto it = data.find(key); it != data.end()) {
        const auto& s = it->second;
        const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (ec != std::errc() || ptr != s.data() + s.size()) {
          return reply_error(c, "ADD on key '" + key + "' whose value is not an integer");
        }
      }
      const std::int64_t before = value;
      if (__builtin_add_overflow(before, request.delta, &value)) {
        return reply_error(c, "ADD on key '" + key + "' would overflow int64 (" + std::to_string(before) + " + " +
                                  std::to_string(request.delta) + "); the value is unchanged");
      }
      data[key] = std::to_string(value);
      reply(c, ok().i64(value));
      return after_mutation();
    }
    case proto::Opcode::kCheck: {
      const bool all = std::all_of(request.keys.begin(), request.keys.end(),
                                   [this](const std::string& key) { return data.count(key) != 0; });
      return reply(c, ok().u8(all ? 1 : 0));
    }
    case proto::Opcode::kCompareSet: {
      const std::string& key = request.keys.front();
      auto it = data.find(key);
      const bool swap =
          (it == data.end() && request.expected.empty()) || (it != data.end() && it->second == request.expected);
      if (swap) {
        auto& slot = data[key];
        slot = std::move(request.value);
        reply(c, ok().bytes(slot));
        return after_mutation();
      }
      return reply(c, ok().bytes(it == data.end() ? std::string() : it->second));
    }
    case proto::Opcode::kDelete:
      return reply(c, ok().u8(data.erase(request.keys.front()) != 0 ? 1 : 0));
  }
}

void StoreServer::Impl::resolve_pending(Connection& c, bool deadline_passed) {
  Pending& p = c.pending;
  if (!p.active) return;
  const bool present = std::all_of(p.keys.begin(), p.keys.end(), [this](const auto& k) { return data.count(k) != 0; });
  if (present) {
    auto body = ok();
    if (p.op == proto::Opcode::kGet) body.bytes(data[p.keys.front()]);
    reply(c, body);
  } else if (deadline_passed) {
    reply(c, proto::Writer().u8(static_cast<std::uint8_t>(proto::Status::kTimeout)));
  } else {
    return;
  }
  p = Pending{};
}

// Replies to every parked request the mutation satisfied. Frames those clients sent meanwhile are
// processed by the loop's catch-up pass, never from here, so handling never recurses.
void StoreServer::Impl::after_mutation() {
  for (auto& c : connections) resolve_pending(c, false);
}

bool StoreServer::Impl::has_complete_frame(const Connection& c) {
  if (c.closing || c.pending.active) return false;
  return proto::scan_frame(c.in, frame_limit(c)).kind != proto::FrameScan::Kind::kIncomplete;
}

}  // namespace zl::store
