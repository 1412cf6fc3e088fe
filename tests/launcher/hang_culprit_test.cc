// find_hang_culprit() and describe_hang(): each branch of the rule in hang_culprit.h on observations
// built by hand, so the right culprit is known exactly. Times are in milliseconds; hang_timeout 3000,
// monitor interval 100 and a 200 ms heartbeat give a silence threshold of 4 * 200 + 100 = 900.
#include "zl/launcher/hang_culprit.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zl::launcher {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kTimeout{3000};
constexpr milliseconds kMonitor{100};
constexpr milliseconds kPeriod{200};

// A rank that reports with a heartbeat, quiet for `progress` (step/collective) and `heartbeat` (anything).
RankProgress beating(int rank, std::int64_t step, const std::string& collective, int progress, int heartbeat) {
  RankProgress r;
  r.rank = rank;
  r.reported = true;
  r.step = step;
  r.collective = collective;
  r.heartbeat_period = kPeriod;
  r.since_progress = milliseconds(progress);
  r.since_heartbeat = milliseconds(heartbeat);
  return r;
}

// A live rank waiting (stalled) in `collective`: its heartbeat is 100 ms old.
RankProgress waiting(int rank, std::int64_t step, const std::string& collective) {
  return beating(rank, step, collective, 3000, 100);
}

// A rank whose process stopped `quiet` ms ago, its last report naming step and collective.
RankProgress stopped(int rank, std::int64_t step, const std::string& collective, int quiet) {
  return beating(rank, step, collective, quiet, quiet);
}

HangVerdict verdict_of(const std::vector<RankProgress>& ranks) {
  const auto v = find_hang_culprit(ranks, kTimeout, kMonitor);
  EXPECT_TRUE(v.has_value());
  return v.value_or(HangVerdict{});
}

TEST(HangCulprit, SilenceThresholdIsFourPeriodsPlusAMonitorInterval) {
  EXPECT_EQ(silence_threshold(kPeriod, kMonitor), milliseconds(900));
  EXPECT_EQ(silence_threshold(milliseconds(500), milliseconds(1000)), milliseconds(3000));
}

TEST(HangCulprit, NoVerdictWhileNoRankIsStalled) {
  // Rank 1 is silent, but nobody has gone hang_timeout without progress yet.
  EXPECT_FALSE(
      find_hang_culprit({beating(0, 7, "reduce_scatter", 2000, 100), stopped(1, 7, "", 2999)}, kTimeout, kMonitor));
  RankProgress almost = waiting(0, 7, "all_reduce");
  almost.since_progress = milliseconds(2999);
  EXPECT_FALSE(find_hang_culprit({almost}, kTimeout, kMonitor));
  almost.since_progress = kTimeout;
  EXPECT_TRUE(find_hang_culprit({almost}, kTimeout, kMonitor));
}

TEST(HangCulprit, StoppedRankIsBlamedOverTheLowerRankWaitingForIt) {
  // Rank 0 crossed the timeout first (it began waiting just before rank 1 stopped): rank 1 is not
  // stalled yet, but silent, and silence wins.
  const std::vector<RankProgress> ranks = {waiting(0, 12, "reduce_scatter"), stopped(1, 12, "", 2800)};
  const HangVerdict v = verdict_of(ranks);
  EXPECT_EQ(v.culprit, 1u);
  EXPECT_TRUE(v.silent);
  EXPECT_EQ(v.waiting, (std::vector<std::size_t>{0}));
}

TEST(HangCulprit, StoppedRankWhoseLastReportNamesACollectiveIsStillBlamed) {
  // Its last report came from inside the same collective the others wait in: only silence tells.
  for (int stopped_rank = 0; stopped_rank < 3; ++stopped_rank) {
    std::vector<RankProgress> ranks;
    for (int r = 0; r < 3; ++r) {
      ranks.push_back(r == stopped_rank ? stopped(r, 12, "all_gather", 3200) : waiting(r, 12, "all_gather"));
    }
    const HangVerdict v = verdict_of(ranks);
    EXPECT_EQ(v.culprit, static_cast<std::size_t>(stopped_rank));
    EXPECT_TRUE(v.silent);
    EXPECT_EQ(v.waiting.size(), 2u);
  }
}

TEST(HangCulprit, SilenceStartsExactlyAtTheThreshold) {
  std::vector<RankProgress> ranks = {waiting(0, 5, "all_reduce"), stopped(1, 5, "all_reduce", 899)};
  // Rank 1 is neither silent nor stalled yet: rank 0 is the only candidate.
  HangVerdict v = verdict_of(ranks);
  EXPECT_EQ(v.culprit, 0u);
  EXPECT_FALSE(v.silent);
  ranks[1] = stopped(1, 5, "all_reduce", 900);
  v = verdict_of(ranks);
  EXPECT_EQ(v.culprit, 1u);
  EXPECT_TRUE(v.silent);
}

TEST(HangCulprit, AmongLiveRanksOneOutsideACollectiveIsBlamed) {
  // Every rank still beats; rank 1 is stuck in its own compute, the others wait in all_reduce.
  const std::vector<RankProgress> ranks = {waiting(0, 9, "all_reduce"), waiting(1, 9, ""), waiting(2, 9, "all_reduce")};
  const HangVerdict v = verdict_of(ranks);
  EXPECT_EQ(v.culprit, 1u);
  EXPECT_FALSE(v.silent);
  EXPECT_EQ(v.waiting, (std::vector<std::size_t>{0, 2}));
}

TEST(HangCulprit, AmongLiveRanksInCollectivesTheEarlierStepIsBlamed) {
  const std::vector<RankProgress> ranks = {waiting(0, 5, "all_gather"), waiting(1, 4, "all_gather"),
                                           waiting(2, 5, "all_gather")};
  EXPECT_EQ(verdict_of(ranks).culprit, 1u);
}

TEST(HangCulprit, OnlyStalledRanksAreCandidatesWhenNoneIsSilent) {
  // Rank 0 is outside a collective and at an earlier step, but it is making progress.
  const std::vector<RankProgress> ranks = {beating(0, 3, "", 500, 100), waiting(1, 4, "all_reduce")};
  const HangVerdict v = verdict_of(ranks);
  EXPECT_EQ(v.culprit, 1u);
  EXPECT_TRUE(v.waiting.empty()) << "rank 0 is in no collective";
}

TEST(HangCulprit, TheRankQuietLongerBreaksAStepTie) {
  // Two silent ranks at one step in one collective: the one that went quiet first.
  EXPECT_EQ(verdict_of({stopped(0, 8, "broadcast", 1500), stopped(1, 8, "broadcast", 3100)}).culprit, 1u);
  // Two live stalled ranks: the one without progress for longer.
  RankProgress longer = waiting(1, 8, "broadcast");
  longer.since_progress = milliseconds(3500);
  EXPECT_EQ(verdict_of({waiting(0, 8, "broadcast"), longer}).culprit, 1u);
}

TEST(HangCulprit, ExactTiesGoToTheLowestRankWhateverTheOrderGiven) {
  const std::vector<RankProgress> ranks = {waiting(2, 6, "barrier"), waiting(1, 6, "barrier"),
                                           waiting(3, 6, "barrier")};
  const HangVerdict v = verdict_of(ranks);
  EXPECT_EQ(ranks[v.culprit].rank, 1);
  EXPECT_EQ(v.waiting, (std::vector<std::size_t>{0, 2}));
}

TEST(HangCulprit, RankWithoutHeartbeatIsSilentOnlyAfterTheHangTimeout) {
  // Rank 0 promises no heartbeat: 2000 ms without a change is not silence for it.
  RankProgress plain = beating(0, 3, "all_reduce", 2000, 2000);
  plain.heartbeat_period = milliseconds(0);
  std::vector<RankProgress> ranks = {plain, waiting(1, 3, "all_reduce")};
  HangVerdict v = verdict_of(ranks);
  EXPECT_EQ(v.culprit, 1u);
  EXPECT_FALSE(v.silent);
  ranks[0].since_progress = ranks[0].since_heartbeat = kTimeout;
  v = verdict_of(ranks);
  EXPECT_EQ(v.culprit, 0u);
  EXPECT_TRUE(v.silent);
  EXPECT_EQ(v.waiting, (std::vector<std::size_t>{1}));
}

TEST(HangCulprit, OutputOnlyRanksAreJudgedByOutput) {
  // No progress reports at all (an external program): output is the only activity.
  RankProgress busy;
  busy.rank = 0;
  busy.since_progress = busy.since_heartbeat = milliseconds(400);
  RankProgress silent;
  silent.rank = 1;
  silent.since_progress = silent.since_heartbeat = milliseconds(3000);
  const HangVerdict v = verdict_of({busy, silent});
  EXPECT_EQ(v.culprit, 1u);
  EXPECT_TRUE(v.waiting.empty());
  EXPECT_FALSE(find_hang_culprit({busy}, kTimeout, kMonitor));
}

TEST(HangCulprit, ARankThatNeverReportedCountsAsBeforeEveryStep) {
  RankProgress unreported;
  unreported.rank = 1;
  unreported.since_progress = unreported.since_heartbeat = milliseconds(3000);
  const std::vector<RankProgress> ranks = {stopped(0, 0, "", 3000), unreported};
  EXPECT_EQ(verdict_of(ranks).culprit, 1u);
}

TEST(HangCulprit, DescribesAStoppedCulpritAndTheRanksWaitingForIt) {
  std::vector<RankProgress> ranks = {waiting(0, 12, "reduce_scatter"), stopped(1, 12, "", 2960),
                                     waiting(2, 12, "reduce_scatter")};
  ranks[0].in_state = milliseconds(3100);
  const HangVerdict v = verdict_of(ranks);
  EXPECT_EQ(describe_hang(ranks, v),
            "no progress or output for 3.0 s (last step 12, not in a collective; no heartbeat for 3.0 s: its "
            "process is stopped or frozen); waiting for it: rank 0 in reduce_scatter at step 12 for 3.1 s, rank 2 "
            "in reduce_scatter at step 12 for 3.0 s");
}

TEST(HangCulprit, DescribesALiveCulpritAndOneWithoutHeartbeatOrReport) {
  const std::vector<RankProgress> live = {waiting(0, 4, "all_reduce")};
  EXPECT_EQ(describe_hang(live, verdict_of(live)),
            "no progress or output for 3.0 s (last step 4, waiting in all_reduce; its heartbeat goes on: running "
            "but making no progress)");
  RankProgress plain = stopped(1, 3, "all_reduce", 3000);
  plain.heartbeat_period = milliseconds(0);
  EXPECT_EQ(describe_hang({plain}, verdict_of({plain})),
            "no progress or output for 3.0 s (last step 3, waiting in all_reduce)");
  RankProgress none;
  none.since_progress = none.since_heartbeat = milliseconds(500);
  const auto v = find_hang_culprit({none}, milliseconds(500), kMonitor);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(describe_hang({none}, *v), "no progress or output for 0.5 s (no progress report)");
}

}  // namespace
}  // namespace zl::launcher
