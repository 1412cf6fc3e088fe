// The gloo backend bootstrapped through the launcher's real rendezvous store (TCP server on loopback,
// one client per rank, keys under an attempt prefix): the mesh connects and collectives are exact;
// a second attempt under a new prefix connects afresh beside the first attempt's stale keys.
#include "zl/comm/store_adapter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "collective_checks.h"
#include "zl/comm/communicator.h"
#include "zl/comm/gloo/backend.h"
#include "zl/store/store_server.h"

namespace zl::comm {
namespace {

std::vector<std::string> run_attempt(int port, int n, int attempt) {
  std::vector<std::string> errors(static_cast<std::size_t>(n));
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r) {
    threads.emplace_back([&, r] {
      try {
        store::StoreClient client(store::StoreAddress{"127.0.0.1", port}, "secret");
        RendezvousStoreAdapter store(client, store::attempt_prefix(attempt) + "comm/", std::chrono::seconds(30));
        Communicator comm(make_gloo_backend(GlooOptions{r, n, "127.0.0.1", std::chrono::seconds(60)}, store));
        errors[static_cast<std::size_t>(r)] = testing::check_all_collectives(comm);
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(r)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  return errors;
}

TEST(RendezvousStoreAdapter, GlooMeshConnectsThroughTheLauncherStore) {
  store::StoreServer server({"127.0.0.1", 0, "secret"});
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto errors = run_attempt(server.port(), 3, attempt);
    for (std::size_t r = 0; r < errors.size(); ++r) EXPECT_EQ(errors[r], "") << "attempt " << attempt << " rank " << r;
  }
}

TEST(RendezvousStoreAdapter, MissingKeyTimesOutWithTheKeyNamed) {
  store::StoreServer server({"127.0.0.1", 0, "secret"});
  store::StoreClient client(store::StoreAddress{"127.0.0.1", server.port()}, "secret");
  RendezvousStoreAdapter store(client, "attempt/0/comm/", std::chrono::milliseconds(200));
  try {
    store.get("rank_7_address");
    FAIL() << "expected a timeout";
  } catch (const store::StoreTimeoutError& e) {
    EXPECT_NE(std::string(e.what()).find("attempt/0/comm/rank_7_address"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zl::comm
