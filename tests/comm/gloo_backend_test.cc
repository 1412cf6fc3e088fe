// The gloo backend with 1-4 ranks as threads of this process (gloo's in-memory HashStore for the
// rendezvous): every collective, dtype and odd count gives the exact answer, and the Communicator
// counts calls and payload bytes exactly as nccl-tests sizes them.
#include <gloo/rendezvous/hash_store.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "collective_checks.h"
#include "zl/comm/communicator.h"
#include "zl/comm/gloo/backend.h"

namespace zl::comm {
namespace {

template <typename Body>
void run_ranks(int n, Body body) {
  gloo::rendezvous::HashStore store;
  std::vector<std::string> errors(static_cast<std::size_t>(n));
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r) {
    threads.emplace_back([&, r] {
      try {
        Communicator comm(make_gloo_backend(GlooOptions{r, n, "127.0.0.1", std::chrono::seconds(60)}, store));
        errors[static_cast<std::size_t>(r)] = body(comm);
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(r)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int r = 0; r < n; ++r) EXPECT_EQ(errors[static_cast<std::size_t>(r)], "") << "rank " << r << " of " << n;
}

class GlooCollectives : public ::testing::TestWithParam<int> {};

TEST_P(GlooCollectives, EveryCollectiveGivesTheExactAnswer) {
  run_ranks(GetParam(), [](Communicator& comm) { return testing::check_all_collectives(comm); });
}

TEST_P(GlooCollectives, CountsCallsAndPayloadAsNcclTestsSizesThem) {
  const int n = GetParam();
  run_ranks(n, [n](Communicator& comm) -> std::string {
    std::vector<float> big(static_cast<std::size_t>(n) * 1001, 1.0f), small(1001, 1.0f);
    comm.all_reduce(small.data(), 1001, DataType::kFp32, ReduceOp::kSum);
    comm.reduce_scatter(big.data(), small.data(), 1001, DataType::kFp32, ReduceOp::kSum);
    comm.all_gather(small.data(), big.data(), 1001, DataType::kFp32);
    auto work = comm.all_reduce_async(small.data(), 1001, DataType::kFp32, ReduceOp::kAvg);
    work.wait();
    const CommStats s = comm.stats();
    const auto bytes = static_cast<std::uint64_t>(1001 * 4);
    if (s.of(Collective::kAllReduce).calls != 2 || s.of(Collective::kAllReduce).payload_bytes != 2 * bytes)
      return "all_reduce counts";
    if (s.of(Collective::kReduceScatter).calls != 1 ||
        s.of(Collective::kReduceScatter).payload_bytes != bytes * static_cast<std::uint64_t>(n))
      return "reduce_scatter counts";
    if (s.of(Collective::kAllGather).calls != 1 ||
        s.of(Collective::kAllGather).payload_bytes != bytes * static_cast<std::uint64_t>(n))
      return "all_gather counts";
    if (s.of(Collective::kBroadcast).calls != 0) return "broadcast counts";
    return "";
  });
}

TEST_P(GlooCollectives, AsyncWorkCompletesInSubmissionOrder) {
  const int n = GetParam();
  run_ranks(n, [n](Communicator& comm) -> std::string {
    std::vector<std::vector<float>> buffers(8, std::vector<float>(4097));
    std::vector<Work> works;
    for (std::size_t k = 0; k < buffers.size(); ++k) {
      for (auto& v : buffers[k]) v = static_cast<float>(k + 1);
      works.push_back(comm.all_reduce_async(buffers[k].data(), buffers[k].size(), DataType::kFp32, ReduceOp::kSum));
    }
    for (auto& w : works) w.wait();
    for (std::size_t k = 0; k < buffers.size(); ++k) {
      for (const float v : buffers[k]) {
        if (v != static_cast<float>((k + 1) * static_cast<std::size_t>(n)))
          return "buffer " + std::to_string(k) + " holds " + std::to_string(v);
      }
    }
    return "";
  });
}

INSTANTIATE_TEST_SUITE_P(WorldSizes, GlooCollectives, ::testing::Values(1, 2, 3, 4));

TEST(GlooReduceScatter, LargeBuffersAcrossManySegmentsAreExact) {
  // 3 ranks x 3M fp32 elements per block: blocks span several 4 MiB segments with a short tail, the
  // regime where Debian's halving-doubling reduce-scatter corrupts data.
  const int n = 3;
  const std::size_t count = 3'000'001;
  run_ranks(n, [&](Communicator& comm) -> std::string {
    std::vector<float> in(count * n), out(count);
    for (std::size_t i = 0; i < in.size(); ++i)
      in[i] = static_cast<float>((i % 13) + static_cast<std::size_t>(comm.rank()));
    comm.reduce_scatter(in.data(), out.data(), count, DataType::kFp32, ReduceOp::kSum);
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t g = static_cast<std::size_t>(comm.rank()) * count + i;
      const float want = static_cast<float>(3 * (g % 13) + 0 + 1 + 2);
      if (out[i] != want)
        return "element " + std::to_string(i) + " is " + std::to_string(out[i]) + ", expected " + std::to_string(want);
    }
    return "";
  });
}

}  // namespace
}  // namespace zl::comm
