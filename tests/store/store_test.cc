// The rendezvous store over real loopback sockets: every command, blocking GET/WAIT with timeouts,
// many concurrent clients, token and size checks.
#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <set>
#include <thread>
#include <vector>

#include "zl/store/store_client.h"
#include "zl/store/store_server.h"

namespace zl::store {
namespace {

using namespace std::chrono_literals;

class StoreTest : public ::testing::Test {
 protected:
  StoreServer server_{StoreServer::Options{"127.0.0.1", 0, "secret-token"}};
  StoreAddress address() const { return {"127.0.0.1", server_.port()}; }
  StoreClient connect() { return StoreClient(address(), "secret-token"); }
};

TEST_F(StoreTest, SetThenGetReturnsTheValueIncludingBinaryBytes) {
  auto client = connect();
  const std::string value("a\0b\xff", 4);
  client.set("k", value);
  EXPECT_EQ(client.get("k", 1s), value);
  client.set("k", "replaced");
  EXPECT_EQ(client.get("k", 1s), "replaced");
}

TEST_F(StoreTest, GetOfAMissingKeyTimesOutNamingTheKey) {
  auto client = connect();
  try {
    client.get("never/set", 50ms);
    FAIL() << "expected a timeout";
  } catch (const StoreTimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("never/set"), std::string::npos) << e.what();
  }
  // The connection stays usable after a timeout.
  client.set("after", "1");
  EXPECT_EQ(client.try_get("after"), "1");
  EXPECT_EQ(client.try_get("absent"), std::nullopt);
}

TEST_F(StoreTest, GetBlocksUntilAnotherClientSetsTheKey) {
  std::thread setter([this] {
    auto other = connect();
    std::this_thread::sleep_for(50ms);
    other.set("late", "here");
  });
  auto client = connect();
  EXPECT_EQ(client.get("late", 10s), "here");
  setter.join();
}

TEST_F(StoreTest, AddIsAtomicAcrossManyClientsAndThreads) {
  constexpr int kThreads = 16;
  constexpr int kAddsPerThread = 200;
  std::vector<std::thread> threads;
  std::vector<std::int64_t> seen(kThreads * kAddsPerThread);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &seen] {
      auto client = connect();
      for (int i = 0; i < kAddsPerThread; ++i) seen[t * kAddsPerThread + i] = client.add("counter", 1);
    });
  }
  for (auto& t : threads) t.join();
  // Every returned value is distinct and they are exactly 1..N: no lost or duplicated increment.
  std::set<std::int64_t> distinct(seen.begin(), seen.end());
  EXPECT_EQ(distinct.size(), seen.size());
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), kThreads * kAddsPerThread);
  EXPECT_EQ(connect().get("counter", 1s), std::to_string(kThreads * kAddsPerThread));
}

TEST_F(StoreTest, AddAcceptsNegativeDeltasAndRefusesNonIntegerValues) {
  auto client = connect();
  EXPECT_EQ(client.add("n", 5), 5);
  EXPECT_EQ(client.add("n", -7), -2);
  client.set("text", "abc");
  EXPECT_THROW(client.add("text", 1), InfrastructureError);
}

TEST_F(StoreTest, AddThatWouldOverflowInt64IsRefusedNamingTheKeyAndLeavesTheValue) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  auto client = connect();
  EXPECT_EQ(client.add("big", kMax), kMax);
  try {
    client.add("big", 1);
    FAIL() << "expected the overflow to be refused";
  } catch (const InfrastructureError& e) {
    EXPECT_NE(std::string(e.what()).find("'big'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("overflow"), std::string::npos) << e.what();
  }
  auto other = connect();
  EXPECT_EQ(other.get("big", 1s), std::to_string(kMax));
  EXPECT_EQ(other.add("small", kMin), kMin);
  EXPECT_THROW(other.add("small", -1), InfrastructureError);
  EXPECT_EQ(connect().add("small", kMax), -1);  // in range: still allowed
}

TEST_F(StoreTest, CheckAndWaitSeeAllKeys) {
  auto client = connect();
  client.set("a", "1");
  EXPECT_TRUE(client.check({"a"}));
  EXPECT_FALSE(client.check({"a", "b"}));
  std::thread setter([this] {
    auto other = connect();
    std::this_thread::sleep_for(30ms);
    other.set("b", "2");
  });
  client.wait({"a", "b"}, 10s);
  setter.join();
  EXPECT_TRUE(client.check({"a", "b"}));
}

TEST_F(StoreTest, WaitTimeoutNamesOnlyTheMissingKeys) {
  auto client = connect();
  client.set("present", "1");
  try {
    client.wait({"present", "missing/1"}, 50ms);
    FAIL() << "expected a timeout";
  } catch (const StoreTimeoutError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'missing/1'"), std::string::npos) << message;
    EXPECT_EQ(message.find("'present'"), std::string::npos) << message;
  }
}

TEST_F(StoreTest, CompareSetFollowsTorchSemantics) {
  auto client = connect();
  EXPECT_EQ(client.compare_set("cs", "", "first"), "first");   // absent + empty expected: set
  EXPECT_EQ(client.compare_set("cs", "wrong", "x"), "first");  // mismatch: unchanged
  EXPECT_EQ(client.compare_set("cs", "first", "second"), "second");
  EXPECT_EQ(client.compare_set("absent", "something", "x"), "");  // absent + non-empty expected: no set
  EXPECT_FALSE(client.check({"absent"}));
}

TEST_F(StoreTest, DeleteRemovesAKey) {
  auto client = connect();
  client.set("gone", "1");
  EXPECT_TRUE(client.remove("gone"));
  EXPECT_FALSE(client.remove("gone"));
  EXPECT_FALSE(client.check({"gone"}));
}

TEST_F(StoreTest, PrefixStoreKeepsAttemptsApart) {
  auto client = connect();
  PrefixStore attempt0(client, attempt_prefix(0));
  PrefixStore attempt1(client, attempt_prefix(1));
  attempt0.set("ready", "0");
  EXPECT_EQ(attempt1.try_get("ready"), std::nullopt);
  EXPECT_EQ(client.get("attempt/0/ready", 1s), "0");
}

TEST_F(StoreTest, WrongTokenIsRefusedWithAClearInfrastructureError) {
  try {
    StoreClient intruder(address(), "not-the-token");
    FAIL() << "the store accepted a wrong token";
  } catch (const InfrastructureError& e) {
    EXPECT_NE(std::string(e.what()).find("token"), std::string::npos) << e.what();
  }
  // A refused client does not disturb the others.
  auto client = connect();
  client.set("still", "works");
  EXPECT_EQ(client.get("still", 1s), "works");
}

TEST_F(StoreTest, OversizedKeyIsRefusedBeforeSending) {
  auto client = connect();
  EXPECT_THROW(client.set(std::string(5000, 'k'), "v"), UsageError);
  client.set(std::string(4096, 'k'), "v");  // the limit itself is fine
  EXPECT_EQ(client.get(std::string(4096, 'k'), 1s), "v");
}

TEST_F(StoreTest, LargeValuesRoundTrip) {
  auto client = connect();
  std::string big(8 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7919 % 251);
  client.set("big", big);
  EXPECT_EQ(client.get("big", 5s), big);
}

TEST_F(StoreTest, ManyBlockedGettersAreReleasedByOneSet) {
  constexpr int kWaiters = 32;
  std::atomic<int> released{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([this, &released] {
      auto client = connect();
      if (client.get("go", 20s) == "now") ++released;
    });
  }
  auto client = connect();
  while (server_.connection_count() < kWaiters + 1) std::this_thread::sleep_for(5ms);
  client.set("go", "now");
  for (auto& t : waiters) t.join();
  EXPECT_EQ(released.load(), kWaiters);
}

TEST(StoreServer, PortInUseNamesThePort) {
  StoreServer first(StoreServer::Options{"127.0.0.1", 0, "t"});
  try {
    StoreServer second(StoreServer::Options{"127.0.0.1", first.port(), "t"});
    FAIL() << "bound a port that was in use";
  } catch (const InfrastructureError& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(first.port())), std::string::npos) << e.what();
  }
}

TEST(StoreClient, UnreachableStoreFailsWithinTheConnectTimeout) {
  const int port = net::free_tcp_port();  // nobody listens there
  StoreClient::Options options;
  options.connect_timeout = 200ms;
  try {
    StoreClient client(StoreAddress{"127.0.0.1", port}, "t", options);
    FAIL() << "connected to nothing";
  } catch (const InfrastructureError& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(port)), std::string::npos) << e.what();
  }
}

TEST(StoreAddress, ParsesHostPortAndRejectsGarbage) {
  const auto a = StoreAddress::parse("10.0.0.1:29500");
  EXPECT_EQ(a.host, "10.0.0.1");
  EXPECT_EQ(a.port, 29500);
  EXPECT_EQ(StoreAddress::parse("[::1]:80").host, "::1");
  EXPECT_EQ(a.to_string(), "10.0.0.1:29500");
  EXPECT_THROW(StoreAddress::parse("nohost"), UsageError);
  EXPECT_THROW(StoreAddress::parse("h:0"), UsageError);
  EXPECT_THROW(StoreAddress::parse("h:70000"), UsageError);
  EXPECT_THROW(StoreAddress::parse("h:12x"), UsageError);
}

}  // namespace
}  // namespace zl::store
