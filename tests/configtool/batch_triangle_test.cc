// DeepSpeed's batch triangle: floor-division fills, gas = 1 when only one value is given, neither given
// is an error, and the strict check reports the numbers.
#include "zl/config/batch_triangle.h"

#include <gtest/gtest.h>

namespace zl::config {
namespace {

BatchRequest request(std::optional<std::int64_t> tbs, std::optional<std::int64_t> micro,
                     std::optional<std::int64_t> gas, int ws) {
  BatchRequest r;
  r.train_batch_size = tbs;
  r.micro_batch = micro;
  r.accumulation = gas;
  r.world_size = ws;
  return r;
}

TEST(BatchTriangle, AllThreeGivenAndConsistent) {
  const auto r = resolve_batch(request(64, 16, 4, 1));
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.train_batch_size, 64);
}

TEST(BatchTriangle, TutorialConfigAtFourProcessesNamesTheNumbers) {
  const auto r = resolve_batch(request(64, 16, 4, 4));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("train_batch_size 64 != 16 * 4 * 4 (micro × accumulation × world size)"),
            std::string::npos)
      << r.errors[0];
  EXPECT_NE(r.errors[0].find("set train_batch_size to 256"), std::string::npos) << r.errors[0];
}

TEST(BatchTriangle, FloorDivisionFillsTheMissingValue) {
  auto r = resolve_batch(request(256, 8, std::nullopt, 4));  // gas = 256 // 8 // 4
  EXPECT_EQ(r.accumulation, 8);
  EXPECT_TRUE(r.errors.empty());
  r = resolve_batch(request(256, std::nullopt, 1, 4));  // micro = 256 // 4 // 1
  EXPECT_EQ(r.micro_batch, 64);
  r = resolve_batch(request(std::nullopt, 8, 3, 4));  // tbs = 8 * 3 * 4
  EXPECT_EQ(r.train_batch_size, 96);
}

TEST(BatchTriangle, OnlyOneGivenSetsAccumulationToOne) {
  auto r = resolve_batch(request(128, std::nullopt, std::nullopt, 4));
  EXPECT_EQ(r.accumulation, 1);
  EXPECT_EQ(r.micro_batch, 32);
  r = resolve_batch(request(std::nullopt, 1, std::nullopt, 4));
  EXPECT_EQ(r.accumulation, 1);
  EXPECT_EQ(r.train_batch_size, 4);
}

TEST(BatchTriangle, FloorDivisionToZeroIsRejectedWithTheProduct) {
  const auto r = resolve_batch(request(32, 32, std::nullopt, 4));  // gas = 32 // 32 // 4 = 0
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors[0].find("gradient_accumulation_steps 0 must be > 0"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[0].find("32 != 32 * 0 * 4"), std::string::npos) << r.errors[0];
}

TEST(BatchTriangle, InexactFloorDivisionFailsTheStrictCheck) {
  const auto r = resolve_batch(request(100, 8, std::nullopt, 4));  // gas = 3, 8*3*4 = 96
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("train_batch_size 100 != 8 * 3 * 4"), std::string::npos) << r.errors[0];
}

TEST(BatchTriangle, NeitherBatchNorMicroIsAnErrorUnlessTheTrainerFillsIt) {
  auto r = resolve_batch(request(std::nullopt, std::nullopt, 2, 2));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("neither train_batch_size nor train_micro_batch_size_per_gpu"), std::string::npos);
  BatchRequest filled = request(std::nullopt, std::nullopt, 2, 2);
  filled.trainer_fills_micro = true;
  r = resolve_batch(filled);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.micro_batch, 8);
  EXPECT_EQ(r.train_batch_size, 32);
}

}  // namespace
}  // namespace zl::config
