// Stage 3 requires every rank to gather layers in the same order; ranks that diverge (same-sized
// layers, so the collectives themselves still match up and would silently mix data) are detected at
// the end of the step, on every rank, with an error that says what is wrong.
#include <gloo/rendezvous/hash_store.h>
#include <gtest/gtest.h>

#include <thread>

#include "zl/comm/gloo/backend.h"
#include "zl/engine/zero_storage.h"

namespace zl::engine {
namespace {

std::vector<std::string> run_two_ranks(bool same_order) {
  gloo::rendezvous::HashStore store;
  std::vector<std::string> errors(2);
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      try {
        runtime::Allocator allocator;
        comm::Communicator comm(
            comm::make_gloo_backend(comm::GlooOptions{r, 2, "127.0.0.1", std::chrono::seconds(30)}, store));
        const Partition partition({1000, 1000, 1000}, 2);
        ZeroOptions options;
        options.zero.stage = 3;
        options.zero.stage3_param_persistence_threshold = 0;
        auto storage = make_zero_storage(partition, comm, options, allocator);
        const std::vector<std::size_t> order =
            (same_order || r == 0) ? std::vector<std::size_t>{0, 1, 2} : std::vector<std::size_t>{0, 2, 1};
        for (const std::size_t layer : order) {
          storage->acquire(layer);
          storage->release(layer);
        }
        storage->verify_gather_sequence();
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(r)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  return errors;
}

TEST(Stage3GatherSequence, MatchingOrdersPass) {
  for (const auto& e : run_two_ranks(true)) EXPECT_EQ(e, "");
}

TEST(Stage3GatherSequence, DivergingOrdersFailOnEveryRankWithAClearMessage) {
  for (const auto& e : run_two_ranks(false)) {
    EXPECT_NE(e.find("different order"), std::string::npos) << e;
    EXPECT_NE(e.find("rank 1"), std::string::npos) << e;
  }
}

}  // namespace
}  // namespace zl::engine
