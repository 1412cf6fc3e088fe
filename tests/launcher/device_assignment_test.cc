// assign_devices(): torchrun's one-rank-per-GPU policy (local rank k -> visible GPU k, the user's
// CUDA_VISIBLE_DEVICES kept unchanged for every rank), the variables each rank gets, and the
// processes-versus-GPUs check the launcher runs before starting anything.
#include "zl/launcher/device_assignment.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace zl::launcher {
namespace {

using config::DeviceKind;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(DeviceAssignment, CpuAssignsNothingAndChecksNothing) {
  // Even with no GPU and a CUDA_VISIBLE_DEVICES set, device: cpu leaves the environment as it was.
  for (const int gpus : {kGpusUnknown, 0, 1}) {
    const DeviceAssignment a = assign_devices(DeviceKind::kCpu, 4, gpus, std::string("2,3"));
    EXPECT_FALSE(a.cuda());
    EXPECT_TRUE(a.ranks.empty());
    EXPECT_TRUE(a.problem.empty()) << a.problem;
    EXPECT_FALSE(a.no_gpu);
    EXPECT_TRUE(device_environment(a, 0).empty());
    EXPECT_EQ(describe_rank_device(a, 3), "cpu");
  }
}

TEST(DeviceAssignment, LocalRankKUsesVisibleGpuKWhenTheVariableIsUnset) {
  const DeviceAssignment a = assign_devices(DeviceKind::kCuda, 4, 8, std::nullopt);
  ASSERT_EQ(a.ranks.size(), 4u);
  EXPECT_TRUE(a.problem.empty()) << a.problem;
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(a.ranks[k].local_rank, k);
    EXPECT_EQ(a.ranks[k].cuda_device, k);
    EXPECT_EQ(a.ranks[k].visible_entry, "");
    const auto env = device_environment(a, k);
    EXPECT_EQ(env.at("ZLAUNCH_LOCAL_DEVICE"), std::to_string(k));
    EXPECT_EQ(env.count("CUDA_VISIBLE_DEVICES"), 0u) << "unset stays unset: every GPU visible";
    EXPECT_EQ(describe_rank_device(a, k), "cuda:" + std::to_string(k));
  }
}

TEST(DeviceAssignment, TheUsersListIsKeptWholeForEveryRank) {
  const DeviceAssignment a = assign_devices(DeviceKind::kCuda, 3, 3, std::string("2,3,5"));
  ASSERT_EQ(a.ranks.size(), 3u);
  EXPECT_TRUE(a.problem.empty()) << a.problem;
  const char* entries[] = {"2", "3", "5"};
  for (int k = 0; k < 3; ++k) {
    const auto env = device_environment(a, k);
    EXPECT_EQ(env.at("CUDA_VISIBLE_DEVICES"), "2,3,5") << "torchrun's policy: the list is not narrowed";
    EXPECT_EQ(env.at("ZLAUNCH_LOCAL_DEVICE"), std::to_string(k));
    EXPECT_EQ(a.ranks[k].cuda_device, k);
    EXPECT_EQ(a.ranks[k].visible_entry, entries[k]);
  }
  EXPECT_EQ(describe_rank_device(a, 1), "cuda:1 (CUDA_VISIBLE_DEVICES entry 3)");
}

TEST(DeviceAssignment, FewerRanksThanListedGpusUseTheFirstEntries) {
  const DeviceAssignment a =
      assign_devices(DeviceKind::kCuda, 2, 4, std::string("GPU-aaaa, GPU-bbbb,GPU-cccc ,GPU-dddd"));
  ASSERT_EQ(a.ranks.size(), 2u);
  EXPECT_TRUE(a.problem.empty()) << a.problem;
  EXPECT_EQ(a.ranks[0].visible_entry, "GPU-aaaa");
  EXPECT_EQ(a.ranks[1].visible_entry, "GPU-bbbb");
  EXPECT_EQ(device_environment(a, 1).at("CUDA_VISIBLE_DEVICES"), "GPU-aaaa, GPU-bbbb,GPU-cccc ,GPU-dddd");
}

TEST(DeviceAssignment, SplitVisibleDevicesTrimsAndSkipsEmptyEntries) {
  EXPECT_EQ(split_visible_devices("2,3,5"), (std::vector<std::string>{"2", "3", "5"}));
  EXPECT_EQ(split_visible_devices(" 0 , 1 "), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(split_visible_devices("MIG-1234,,7"), (std::vector<std::string>{"MIG-1234", "7"}));
  EXPECT_TRUE(split_visible_devices("").empty());
  EXPECT_TRUE(split_visible_devices(" , ").empty());
}

TEST(DeviceAssignment, MoreProcessesThanGpusNamesBothNumbersAndTheFix) {
  const DeviceAssignment a = assign_devices(DeviceKind::kCuda, 4, 2, std::nullopt);
  EXPECT_FALSE(a.no_gpu);
  EXPECT_TRUE(contains(a.problem, "4 processes")) << a.problem;
  EXPECT_TRUE(contains(a.problem, "only 2 GPUs are visible")) << a.problem;
  EXPECT_TRUE(contains(a.problem, "--num_processes 2")) << a.problem;
  EXPECT_TRUE(contains(a.problem, "device: cpu")) << a.problem;
  EXPECT_FALSE(contains(a.problem, "CUDA_VISIBLE_DEVICES=")) << a.problem;

  const DeviceAssignment one = assign_devices(DeviceKind::kCuda, 2, 1, std::string("3"));
  EXPECT_TRUE(contains(one.problem, "2 processes were asked for")) << one.problem;
  EXPECT_TRUE(contains(one.problem, "only 1 GPU is visible (CUDA_VISIBLE_DEVICES=3)")) << one.problem;
  EXPECT_TRUE(contains(one.problem, "--num_processes 1")) << one.problem;
}

TEST(DeviceAssignment, RunnableExactlyWhenProcessesFitTheGpus) {
  for (int processes = 1; processes <= 9; ++processes) {
    for (int gpus = 1; gpus <= 8; ++gpus) {
      const DeviceAssignment a = assign_devices(DeviceKind::kCuda, processes, gpus, std::nullopt);
      EXPECT_EQ(a.problem.empty(), processes <= gpus) << processes << " processes, " << gpus << " GPUs";
      EXPECT_EQ(a.ranks.size(), static_cast<std::size_t>(processes));
      EXPECT_FALSE(a.no_gpu);
    }
  }
}

TEST(DeviceAssignment, NoVisibleGpuIsItsOwnProblem) {
  for (const auto& user :
       {std::optional<std::string>(), std::optional<std::string>(""), std::optional<std::string>("-1")}) {
    const DeviceAssignment a = assign_devices(DeviceKind::kCuda, 2, 0, user);
    EXPECT_TRUE(a.no_gpu);
    EXPECT_TRUE(contains(a.problem, "no GPU is visible")) << a.problem;
    EXPECT_TRUE(contains(a.problem, "device: cpu")) << a.problem;
  }
  // Set but empty is still the user's value: kept as it is (CUDA then shows no GPU).
  const DeviceAssignment empty = assign_devices(DeviceKind::kCuda, 1, 0, std::string(""));
  EXPECT_EQ(device_environment(empty, 0).at("CUDA_VISIBLE_DEVICES"), "");
}

TEST(DeviceAssignment, UnknownGpuCountAssignsWithoutChecking) {
  // --launcher mpi/slurm: the ranks may run on other hosts; they check for themselves.
  const DeviceAssignment a = assign_devices(DeviceKind::kCuda, 16, kGpusUnknown, std::nullopt);
  EXPECT_TRUE(a.problem.empty()) << a.problem;
  EXPECT_FALSE(a.no_gpu);
  EXPECT_EQ(a.ranks.size(), 16u);
}

}  // namespace
}  // namespace zl::launcher
