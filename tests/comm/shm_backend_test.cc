// The shm backend: exact answers for every collective, dtype and odd count over world sizes 1-8 (ranks
// as threads of this process), with stages so small that every message crosses many pipeline steps and
// with the default stage; the same with ranks as processes; then what it promises when things go wrong:
// a rank that dies makes the others fail naming it, a stalled rank times out naming it, a full
// /dev/shm is an error on every rank, two jobs never share a segment, and no segment outlives joining.
#include <gloo/rendezvous/file_store.h>
#include <gloo/rendezvous/hash_store.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "collective_checks.h"
#include "zl/base/error.h"
#include "zl/comm/communicator.h"
#include "zl/comm/shm/backend.h"

namespace zl::comm {
namespace {

namespace fs = std::filesystem;

// Segments this process created that are still named in /dev/shm.
std::vector<std::string> named_segments_of(pid_t pid) {
  std::vector<std::string> names;
  const std::string prefix = "zlaunch-shm-" + std::to_string(pid) + "-";
  for (const auto& entry : fs::directory_iterator("/dev/shm")) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) names.push_back(entry.path().string());
  }
  return names;
}

template <typename Body>
std::vector<std::string> run_thread_ranks(const ShmOptions& base, gloo::rendezvous::Store& store, Body body) {
  std::vector<std::string> errors(static_cast<std::size_t>(base.size));
  std::vector<std::thread> threads;
  for (int r = 0; r < base.size; ++r) {
    threads.emplace_back([&, r] {
      try {
        ShmOptions options = base;
        options.rank = r;
        Communicator comm(make_shm_backend(options, store));
        errors[static_cast<std::size_t>(r)] = body(comm);
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(r)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  return errors;
}

struct WorldAndStage {
  int world;
  std::size_t stage_bytes;
};

class ShmCollectives : public ::testing::TestWithParam<WorldAndStage> {};

TEST_P(ShmCollectives, EveryCollectiveGivesTheExactAnswer) {
  gloo::rendezvous::HashStore store;
  const ShmOptions options{0, GetParam().world, std::chrono::seconds(120), GetParam().stage_bytes};
  const auto errors =
      run_thread_ranks(options, store, [](Communicator& comm) { return testing::check_all_collectives(comm); });
  for (int r = 0; r < GetParam().world; ++r) EXPECT_EQ(errors[static_cast<std::size_t>(r)], "") << "rank " << r;
  EXPECT_TRUE(named_segments_of(getpid()).empty()) << "a segment is still named in /dev/shm";
}

// 4 KiB stages: a block chunk of 32 elements at 8 ranks, so the 65537- and 2^21-element messages take
// thousands of steps through both stages, and the tails are short.
INSTANTIATE_TEST_SUITE_P(SmallStages, ShmCollectives,
                         ::testing::Values(WorldAndStage{1, 4096}, WorldAndStage{2, 4096}, WorldAndStage{3, 4096},
                                           WorldAndStage{4, 4096}, WorldAndStage{5, 4096}, WorldAndStage{6, 4096},
                                           WorldAndStage{7, 4096}, WorldAndStage{8, 4096}),
                         [](const auto& param_info) { return "world" + std::to_string(param_info.param.world); });
INSTANTIATE_TEST_SUITE_P(DefaultStages, ShmCollectives,
                         ::testing::Values(WorldAndStage{2, ShmOptions{}.stage_bytes},
                                           WorldAndStage{3, ShmOptions{}.stage_bytes},
                                           WorldAndStage{8, ShmOptions{}.stage_bytes}),
                         [](const auto& param_info) { return "world" + std::to_string(param_info.param.world); });

// Runs `body(rank)` in `world` forked processes that meet through a FileStore in a fresh directory;
// returns their wait statuses. Each child writes what it has to say into <dir>/rank<r>.txt.
template <typename Body>
std::vector<int> run_process_ranks(int world, const fs::path& dir, Body body, std::vector<pid_t>* pids = nullptr) {
  fs::remove_all(dir);
  fs::create_directories(dir / "store");
  std::vector<pid_t> children;
  for (int r = 0; r < world; ++r) {
    const pid_t pid = fork();
    if (pid == -1) throw std::runtime_error("fork failed");
    if (pid == 0) {
      std::string said;
      try {
        gloo::rendezvous::FileStore store((dir / "store").string());
        said = body(r, store);
      } catch (const std::exception& e) {
        said = e.what();
      }
      std::ofstream(dir / ("rank" + std::to_string(r) + ".txt")) << said;
      _exit(0);
    }
    children.push_back(pid);
  }
  std::vector<int> statuses;
  for (const pid_t child : children) {
    int status = 0;
    waitpid(child, &status, 0);
    statuses.push_back(status);
  }
  if (pids != nullptr) *pids = children;
  return statuses;
}

std::string what_rank_said(const fs::path& dir, int r) {
  std::ifstream in(dir / ("rank" + std::to_string(r) + ".txt"));
  return {(std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()};
}

TEST(ShmProcesses, EveryCollectiveGivesTheExactAnswer) {
  const int world = 3;
  const fs::path dir = fs::temp_directory_path() / ("zl_shm_exact_" + std::to_string(getpid()));
  std::vector<pid_t> pids;
  const auto statuses = run_process_ranks(
      world, dir,
      [&](int r, gloo::rendezvous::Store& store) {
        Communicator comm(make_shm_backend(ShmOptions{r, world, std::chrono::seconds(120)}, store));
        return testing::check_all_collectives(comm);
      },
      &pids);
  for (int r = 0; r < world; ++r) {
    EXPECT_TRUE(WIFEXITED(statuses[static_cast<std::size_t>(r)])) << "rank " << r;
    EXPECT_EQ(what_rank_said(dir, r), "") << "rank " << r;
  }
  EXPECT_TRUE(named_segments_of(pids[0]).empty());
  fs::remove_all(dir);
}

TEST(ShmSegments, TwoJobsOnOneMachineNeverShareASegment) {
  // Two worlds of 2 at once, each with its own store: each sums only its own ranks' values.
  gloo::rendezvous::HashStore store_a, store_b;
  std::vector<std::string> errors_a, errors_b;
  auto job = [](gloo::rendezvous::Store& store, float value) {
    return run_thread_ranks(ShmOptions{0, 2, std::chrono::seconds(60)}, store, [value](Communicator& comm) {
      for (int i = 0; i < 200; ++i) {
        std::vector<float> data(100000, value + static_cast<float>(comm.rank()));
        comm.all_reduce(data.data(), data.size(), DataType::kFp32, ReduceOp::kSum);
        for (const float v : data) {
          if (v != 2 * value + 1) return "iteration " + std::to_string(i) + " summed " + std::to_string(v);
        }
      }
      return std::string();
    });
  };
  std::thread a([&] { errors_a = job(store_a, 1.0f); });
  std::thread b([&] { errors_b = job(store_b, 1000.0f); });
  a.join();
  b.join();
  EXPECT_EQ(errors_a, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(errors_b, (std::vector<std::string>{"", ""}));
}

TEST(ShmSegments, ARankThatNeverJoinsTimesOutNamingItAndLeavesNoSegment) {
  gloo::rendezvous::HashStore store;
  try {
    make_shm_backend(ShmOptions{0, 2, std::chrono::milliseconds(500)}, store);
    ADD_FAILURE() << "joining a world of 2 alone succeeded";
  } catch (const InfrastructureError& e) {
    EXPECT_NE(std::string(e.what()).find("for rank(s) 1 to map the segment"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(named_segments_of(getpid()).empty()) << "rank 0 left its segment behind";
}

TEST(ShmSegments, AFullDevShmIsAnErrorOnEveryRank) {
  // 2 x 2 x 1 TiB of stages cannot be reserved in /dev/shm: rank 0 says so, and rank 1 gets its message
  // at once instead of waiting for the timeout.
  gloo::rendezvous::HashStore store;
  const auto errors = run_thread_ranks(ShmOptions{0, 2, std::chrono::seconds(60), std::size_t{1} << 40}, store,
                                       [](Communicator&) { return std::string("joined"); });
  EXPECT_NE(errors[0].find("/dev/shm has no room for the communicator's"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("rank 0 could not set up the segment: shm: /dev/shm has no room"), std::string::npos)
      << errors[1];
  EXPECT_TRUE(named_segments_of(getpid()).empty());
}

TEST(ShmFailures, AStalledRankTimesOutNamingIt) {
  gloo::rendezvous::HashStore store;
  const auto errors =
      run_thread_ranks(ShmOptions{0, 2, std::chrono::milliseconds(800)}, store, [](Communicator& comm) -> std::string {
        if (comm.rank() == 1) {
          std::this_thread::sleep_for(std::chrono::seconds(2));
          return "";
        }
        float x = 1;
        comm.all_reduce(&x, 1, DataType::kFp32, ReduceOp::kSum);
        return "the all_reduce returned";
      });
  EXPECT_NE(errors[0].find("shm all_reduce: rank 0 waited 0.8 s (the communicator's timeout) for rank 1 (pid "),
            std::string::npos)
      << errors[0];
  EXPECT_EQ(errors[1], "");
}

// Ranks as processes: rank `victim` runs three all_reduces (small: one post; large: pipelined) and is
// killed with SIGKILL before the fourth; the others keep reducing and must fail naming it.
class ShmDeath : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ShmDeath, ARankThatDiesMakesTheOthersFailNamingIt) {
  const int world = 3;
  const int victim = 1;
  const fs::path dir = fs::temp_directory_path() / ("zl_shm_death_" + std::to_string(getpid()));
  std::vector<pid_t> pids;
  const std::size_t count = GetParam();
  const auto statuses = run_process_ranks(
      world, dir,
      [&](int r, gloo::rendezvous::Store& store) -> std::string {
        Communicator comm(make_shm_backend(ShmOptions{r, world, std::chrono::seconds(60)}, store));
        std::vector<float> data(count, 1.0f);
        for (int i = 0; i < 100000; ++i) {
          if (r == victim && i == 3) raise(SIGKILL);
          comm.all_reduce(data.data(), data.size(), DataType::kFp32, ReduceOp::kAvg);
        }
        return "no error";
      },
      &pids);
  for (int r = 0; r < world; ++r) {
    const int status = statuses[static_cast<std::size_t>(r)];
    if (r == victim) {
      EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
      continue;
    }
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    const std::string said = what_rank_said(dir, r);
    const std::string pid = std::to_string(pids[victim]);
    EXPECT_NE(said.find("shm all_reduce: rank " + std::to_string(r) + " cannot go on: rank 1 (pid " + pid +
                        ") exited in the middle of the job"),
              std::string::npos)
        << "rank " << r << " said: " << said;
  }
  EXPECT_TRUE(named_segments_of(pids[0]).empty()) << "the job left its segment in /dev/shm";
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(MessageSizes, ShmDeath, ::testing::Values(std::size_t{1000}, std::size_t{1} << 20),
                         [](const auto& param_info) { return "count" + std::to_string(param_info.param); });

}  // namespace
}  // namespace zl::comm
