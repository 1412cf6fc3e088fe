// The rendezvous store's connection bookkeeping over real loopback sockets: silent unauthenticated
// peers cannot lock out a client with the token, and a client that leaves while its GET/WAIT is
// parked frees its connection at once instead of at the request's deadline.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "zl/store/socket_io.h"
#include "zl/store/store_client.h"
#include "zl/store/store_protocol.h"
#include "zl/store/store_server.h"

namespace zl::store {
namespace {

using namespace std::chrono_literals;
namespace proto = protocol;
using net::Clock;

constexpr const char* kToken = "limits-token";

class StoreConnectionLimitsTest : public ::testing::Test {
 protected:
  StoreServer server_{StoreServer::Options{"127.0.0.1", 0, kToken}};

  net::Fd raw_connection() { return net::connect_tcp("127.0.0.1", server_.port(), Clock::now() + 5s); }

  // Sends HELLO with the token and reads the server's OK, so no unread bytes remain: closing the
  // socket afterwards sends a plain FIN (no reset), which is the case the server must notice.
  static void authenticate(const net::Fd& fd) {
    proto::Writer w;
    w.u8(static_cast<std::uint8_t>(proto::Opcode::kHello))
        .u32(proto::kMagic)
        .u16(proto::kProtocolVersion)
        .bytes(kToken);
    net::send_all(fd.get(), w.frame(), Clock::now() + 2s, "test HELLO");
    char reply[5];
    net::recv_exact(fd.get(), reply, sizeof(reply), Clock::now() + 2s, "test HELLO reply");
    ASSERT_EQ(reply[4], static_cast<char>(proto::Status::kOk));
  }

  // True when the server's connection count reaches `expected` within the timeout.
  bool connection_count_reaches(int expected, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (server_.connection_count() == expected) return true;
      std::this_thread::sleep_for(10ms);
    }
    return server_.connection_count() == expected;
  }

  // True when the server closed the connection (EOF or reset) within the timeout.
  static bool closed_by_server(const net::Fd& fd, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    char buffer[256];
    timeval tv{0, 50000};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    while (Clock::now() < deadline) {
      const ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
      if (n == 0) return true;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;
    }
    return false;
  }
};

TEST_F(StoreConnectionLimitsTest, SilentConnectionsBeyondTheSlotCountDoNotLockOutAClientWithTheToken) {
  // More silent peers than the server has slots (4096): this process holds both ends.
  constexpr int kSilent = 4200;
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < 2 * kSilent + 256) {
    GTEST_SKIP() << "needs " << 2 * kSilent + 256 << " file descriptors, the hard limit is " << limit.rlim_max;
  }
  limit.rlim_cur = limit.rlim_max;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);

  std::vector<net::Fd> silent;
  silent.reserve(kSilent);
  for (int i = 0; i < kSilent; ++i) silent.push_back(raw_connection());

  const auto start = Clock::now();
  StoreClient::Options options;
  options.connect_timeout = 2s;
  options.io_timeout = 2s;
  StoreClient client(StoreAddress{"127.0.0.1", server_.port()}, kToken, options);
  client.set("k", "v");
  EXPECT_EQ(client.get("k", 1s), "v");
  EXPECT_LT(Clock::now() - start, 2s) << "the authenticated client had to wait for silent peers to time out";
  // The silent peers hold at most their own small budget, never the authenticated slots.
  EXPECT_LE(server_.connection_count(), 64 + 1);
}

TEST_F(StoreConnectionLimitsTest, ABurstOfClientsLargerThanTheUnauthenticatedBudgetAllGetIn) {
  // Many ranks starting together connect at once: more than the 64 allowed before HELLO.
  constexpr int kClients = 200;
  std::vector<std::thread> threads;
  std::atomic<int> served{0};
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([this, i, &served] {
      StoreClient client(StoreAddress{"127.0.0.1", server_.port()}, kToken);
      client.set("rank/" + std::to_string(i), "up");
      ++served;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(served.load(), kClients);
}

TEST_F(StoreConnectionLimitsTest, AConnectionThatNeverSendsHelloIsClosedWithinAFewSeconds) {
  const auto fd = raw_connection();
  const auto start = Clock::now();
  EXPECT_TRUE(closed_by_server(fd, 4s));
  EXPECT_LT(Clock::now() - start, 4s);
}

TEST_F(StoreConnectionLimitsTest, AClientLeavingWhileItsWaitIsParkedFreesTheConnection) {
  {
    const auto fd = raw_connection();
    authenticate(fd);
    proto::Writer wait;
    wait.u8(static_cast<std::uint8_t>(proto::Opcode::kWait)).u32(1).bytes("never/set").u32(600000);
    net::send_all(fd.get(), wait.frame(), Clock::now() + 2s, "test WAIT");
    ASSERT_TRUE(connection_count_reaches(1, 2s));
    std::this_thread::sleep_for(100ms);  // let the server park the WAIT before the peer leaves
  }                                      // closes with a FIN while the WAIT is parked
  EXPECT_TRUE(connection_count_reaches(0, 3s)) << "still open: " << server_.connection_count();
}

TEST_F(StoreConnectionLimitsTest, AClientLeavingWhileItsGetIsParkedFreesTheConnection) {
  {
    const auto fd = raw_connection();
    authenticate(fd);
    proto::Writer get;
    get.u8(static_cast<std::uint8_t>(proto::Opcode::kGet)).bytes("never/set").u32(600000);
    net::send_all(fd.get(), get.frame(), Clock::now() + 2s, "test GET");
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(connection_count_reaches(0, 3s)) << "still open: " << server_.connection_count();
  // The server still serves others, and a parked request from a live client is still answered.
  StoreClient waiter(StoreAddress{"127.0.0.1", server_.port()}, kToken);
  std::thread setter([this] {
    std::this_thread::sleep_for(50ms);
    StoreClient(StoreAddress{"127.0.0.1", server_.port()}, kToken).set("late", "here");
  });
  EXPECT_EQ(waiter.get("late", 5s), "here");
  setter.join();
}

}  // namespace
}  // namespace zl::store
