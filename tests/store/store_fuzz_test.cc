// Hostile input to the rendezvous store: random bytes, truncated and oversized frames, garbage after a
// valid HELLO. The server must neither crash nor hang, must drop the bad connections, and must keep
// serving well-formed clients throughout. Seeds are fixed so a failure reproduces.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "zl/store/socket_io.h"
#include "zl/store/store_client.h"
#include "zl/store/store_protocol.h"
#include "zl/store/store_server.h"

namespace zl::store {
namespace {

using namespace std::chrono_literals;
namespace proto = protocol;

constexpr const char* kToken = "fuzz-token";

class StoreFuzzTest : public ::testing::Test {
 protected:
  StoreServer server_{StoreServer::Options{"127.0.0.1", 0, kToken}};

  net::Fd raw_connection() { return net::connect_tcp("127.0.0.1", server_.port(), net::Clock::now() + 5s); }

  static void send_raw(const net::Fd& fd, const std::string& bytes) {
    // The server may close early; a failed send is part of the experiment, not a test failure.
    [[maybe_unused]] ssize_t n = ::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }

  static std::string hello_frame(const std::string& token) {
    proto::Writer w;
    w.u8(static_cast<std::uint8_t>(proto::Opcode::kHello)).u32(proto::kMagic).u16(proto::kProtocolVersion).bytes(token);
    return w.frame();
  }

  // True when the server closed the connection (EOF) within the timeout, after any reply bytes.
  static bool closed_by_server(const net::Fd& fd, std::chrono::milliseconds timeout) {
    const auto deadline = net::Clock::now() + timeout;
    char buffer[4096];
    while (net::Clock::now() < deadline) {
      timeval tv{0, 50000};
      ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      const ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
      if (n == 0) return true;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;  // reset
    }
    return false;
  }

  void expect_healthy(const std::string& tag) {
    StoreClient client(StoreAddress{"127.0.0.1", server_.port()}, kToken);
    client.set("health/" + tag, tag);
    EXPECT_EQ(client.get("health/" + tag, 2s), tag);
  }
};

TEST_F(StoreFuzzTest, RandomGarbageIsDroppedAndTheServerKeepsServing) {
  std::mt19937 rng(20240520);
  for (int round = 0; round < 200; ++round) {
    auto fd = raw_connection();
    std::string junk(1 + rng() % 512, '\0');
    for (auto& ch : junk) ch = static_cast<char>(rng());
    send_raw(fd, junk);
    if (round % 20 == 0) expect_healthy("garbage" + std::to_string(round));
  }
  expect_healthy("garbage-end");
}

TEST_F(StoreFuzzTest, OversizedFrameHeadersAreRefusedWithoutAllocating) {
  for (std::uint32_t length : {0xffffffffu, static_cast<std::uint32_t>(proto::kMaxHelloFrameBytes + 1), 1u << 30}) {
    auto fd = raw_connection();
    proto::Writer w;
    w.u32(length);
    send_raw(fd, w.payload());
    EXPECT_TRUE(closed_by_server(fd, 5s)) << "length " << length;
  }
  // After authentication the limit is larger but still enforced.
  auto fd = raw_connection();
  send_raw(fd, hello_frame(kToken));
  proto::Writer w;
  w.u32(static_cast<std::uint32_t>(proto::kMaxFrameBytes + 1));
  send_raw(fd, w.payload());
  EXPECT_TRUE(closed_by_server(fd, 5s));
  expect_healthy("oversized");
}

TEST_F(StoreFuzzTest, TruncatedFramesNeverBlockOtherClients) {
  // Connections that stop mid-frame and stay open: the server must keep answering everyone else.
  std::vector<net::Fd> stalled;
  const std::string hello = hello_frame(kToken);
  for (std::size_t cut = 1; cut < hello.size(); cut += 3) {
    stalled.push_back(raw_connection());
    send_raw(stalled.back(), hello.substr(0, cut));
  }
  auto authed = raw_connection();
  send_raw(authed, hello);
  proto::Writer set;
  set.u8(static_cast<std::uint8_t>(proto::Opcode::kSet)).bytes("k").bytes(std::string(1000, 'v'));
  send_raw(authed, set.frame().substr(0, 500));  // half a SET, never finished
  expect_healthy("truncated");
  // Truncated frames followed by a close are simply dropped.
  stalled.clear();
  authed.reset();
  expect_healthy("truncated-closed");
}

TEST_F(StoreFuzzTest, MalformedRequestsAfterHelloGetAnErrorAndAClose) {
  std::mt19937 rng(7);
  for (int round = 0; round < 100; ++round) {
    auto fd = raw_connection();
    send_raw(fd, hello_frame(kToken));
    proto::Writer w;
    w.u8(static_cast<std::uint8_t>(1 + rng() % 10));  // valid and invalid opcodes
    const int fields = static_cast<int>(rng() % 4);
    for (int f = 0; f < fields; ++f) {
      if (rng() % 2) {
        w.u32(static_cast<std::uint32_t>(rng()));  // a length that usually lies
      } else {
        w.bytes(std::string(rng() % 16, 'x'));
      }
    }
    send_raw(fd, w.frame());
  }
  expect_healthy("malformed");
}

TEST_F(StoreFuzzTest, RequestsBeforeHelloAndWrongVersionsAreRefused) {
  auto before = raw_connection();
  proto::Writer set;
  set.u8(static_cast<std::uint8_t>(proto::Opcode::kSet)).bytes("k").bytes("v");
  send_raw(before, set.frame());
  EXPECT_TRUE(closed_by_server(before, 5s));

  auto version = raw_connection();
  proto::Writer w;
  w.u8(static_cast<std::uint8_t>(proto::Opcode::kHello)).u32(proto::kMagic).u16(99).bytes(kToken);
  send_raw(version, w.frame());
  EXPECT_TRUE(closed_by_server(version, 5s));

  StoreClient client(StoreAddress{"127.0.0.1", server_.port()}, kToken);
  EXPECT_FALSE(client.check({"k"})) << "an unauthenticated SET must not take effect";
}

TEST_F(StoreFuzzTest, ClientsVanishingWhileBlockedDoNotDisturbTheServer) {
  for (int i = 0; i < 20; ++i) {
    auto fd = raw_connection();
    send_raw(fd, hello_frame(kToken));
    proto::Writer get;
    get.u8(static_cast<std::uint8_t>(proto::Opcode::kGet)).bytes("never").u32(60000);
    send_raw(fd, get.frame());
  }  // each closes while its GET is parked
  expect_healthy("vanished");
  while (server_.connection_count() > 0) std::this_thread::sleep_for(5ms);
  SUCCEED();
}

}  // namespace
}  // namespace zl::store
