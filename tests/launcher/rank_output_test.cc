// RankOutput and ExternalOutputDemux: bytes to the per-rank file unchanged, complete lines prefixed to the
// console, partial lines joined across reads, mpirun's --tag-output lines routed to their rank; a line
// redrawn with '\r' (a progress bar) moves in place on a terminal Console under the other ranks' lines,
// and shows only finished off a terminal.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "subprocess.h"
#include "zl/launcher/rank_output.h"

namespace zl::launcher {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

class RankOutputTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::make_temp_dir("zl_rank_output_");
  std::string console_path_ = dir_ + "/console";
  int console_ = ::open(console_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  void TearDown() override {
    ::close(console_);
    std::filesystem::remove_all(dir_);
  }
  // A demux whose ranks write dir_/rank_R.{out,err} and "[0:R] " lines to the console file.
  ExternalOutputDemux demux(ExternalOutputDemux::Format format) {
    return ExternalOutputDemux(
        format,
        [this](int rank, bool is_stderr) {
          return std::make_unique<RankOutput>("[0:" + std::to_string(rank) + "] ", console_,
                                              dir_ + "/rank_" + std::to_string(rank) + (is_stderr ? ".err" : ".out"),
                                              5);
        },
        console_);
  }
};

TEST_F(RankOutputTest, LinesArePrefixedAndJoinedAcrossReads) {
  RankOutput out("[0:3] ", console_, dir_ + "/rank_3.out", 2);
  out.append("first li");
  out.append("ne\nsecond\nthi");
  out.append("rd\nunfinished");
  out.finish();
  EXPECT_EQ(slurp(console_path_), "[0:3] first line\n[0:3] second\n[0:3] third\n[0:3] unfinished\n");
  EXPECT_EQ(slurp(dir_ + "/rank_3.out"), "first line\nsecond\nthird\nunfinished");
  ASSERT_EQ(out.tail().size(), 2u);  // the last two lines only
  EXPECT_EQ(out.tail()[0], "third");
  EXPECT_EQ(out.tail()[1], "unfinished");
}

TEST_F(RankOutputTest, HiddenRankStillWritesItsFile) {
  RankOutput out("[0:1] ", -1, dir_ + "/rank_1.err", 0);
  out.append("only in the file\n");
  out.finish();
  EXPECT_EQ(slurp(console_path_), "");
  EXPECT_EQ(slurp(dir_ + "/rank_1.err"), "only in the file\n");
}

TEST_F(RankOutputTest, MpiTaggedLinesGoToTheirRanks) {
  ExternalOutputDemux demux = this->demux(ExternalOutputDemux::Format::kMpirunTags);
  demux.append("[1,0]<stdout>:hello from 0\n[1,2]<stderr>:warn", false);
  demux.append("ing from 2\nmpirun's own line\n[1,2]<stdout>:out of 2\n[bogus]<stdout>:x\n", false);
  demux.finish();
  EXPECT_EQ(slurp(dir_ + "/rank_0.out"), "hello from 0\n");
  EXPECT_EQ(slurp(dir_ + "/rank_2.err"), "warning from 2\n");
  EXPECT_EQ(slurp(dir_ + "/rank_2.out"), "out of 2\n");
  ASSERT_NE(demux.output(2, true), nullptr);
  EXPECT_EQ(demux.output(2, true)->tail().back(), "warning from 2");
  EXPECT_EQ(demux.output(1, false), nullptr);
  const std::string console = slurp(console_path_);
  EXPECT_NE(console.find("[0:0] hello from 0\n"), std::string::npos) << console;
  EXPECT_NE(console.find("[mpirun] mpirun's own line\n"), std::string::npos) << console;
  EXPECT_NE(console.find("[mpirun] [bogus]<stdout>:x\n"), std::string::npos) << console;
  EXPECT_EQ(demux.untagged_tail().size(), 2u);
}

TEST_F(RankOutputTest, SrunLabelledLinesGoToTheirRanksByPipe) {
  ExternalOutputDemux demux = this->demux(ExternalOutputDemux::Format::kSrunLabels);
  // Partial lines on the two pipes interleave without mixing.
  demux.append(" 3: out of", false);
  demux.append("11: warn", true);
  demux.append(" 3\n", false);
  demux.append("ing: 11\nsrun: error: zlnode2: task 11: Killed\n", true);
  demux.append(" 0: a: b\n", false);
  demux.finish();
  EXPECT_EQ(slurp(dir_ + "/rank_3.out"), "out of 3\n");
  EXPECT_EQ(slurp(dir_ + "/rank_11.err"), "warning: 11\n");
  EXPECT_EQ(slurp(dir_ + "/rank_0.out"), "a: b\n");
  const std::string console = slurp(console_path_);
  EXPECT_NE(console.find("[srun] srun: error: zlnode2: task 11: Killed\n"), std::string::npos) << console;
  ASSERT_EQ(demux.untagged_tail().size(), 1u);
}

TEST_F(RankOutputTest, ABarRedrawnInPlaceStaysBelowOtherRanksLinesOnATerminal) {
  Console console(true);
  RankOutput bar("[0:0] ", console_, dir_ + "/rank_0.out", 2, &console);
  RankOutput other("[0:1] ", console_, dir_ + "/rank_1.out", 0, &console);
  bar.append("\rstep 1/3");
  bar.append("\rstep 2/3");
  other.append("a line from rank 1\n");
  bar.append("\rstep 3/3");
  bar.append("\n");
  bar.append("done\n");
  bar.finish();
  other.finish();
  EXPECT_EQ(slurp(console_path_),
            "\r\x1b[K[0:0] step 1/3"
            "\r\x1b[K[0:0] step 2/3"
            "\r\x1b[K[0:1] a line from rank 1\n[0:0] step 2/3"  // cleared, the line, the bar again below it
            "\r\x1b[K[0:0] step 3/3"
            "\r\x1b[K[0:0] step 3/3\n"  // the bar's last drawing becomes a line
            "[0:0] done\n");
  EXPECT_EQ(slurp(dir_ + "/rank_0.out"), "\rstep 1/3\rstep 2/3\rstep 3/3\ndone\n") << "the file gets the bytes";
  ASSERT_EQ(bar.tail().size(), 2u);
  EXPECT_EQ(bar.tail()[0], "step 3/3");
}

TEST_F(RankOutputTest, OffATerminalARedrawnLineShowsOnlyFinished) {
  Console console(false);
  RankOutput bar("[0:0] ", console_, dir_ + "/rank_0.out", 0, &console);
  for (int step = 1; step <= 3; ++step) bar.append("\rstep " + std::to_string(step) + "/3   ");
  bar.append("\r\n");
  bar.finish();
  EXPECT_EQ(slurp(console_path_), "[0:0] step 3/3   \n");
}

}  // namespace
}  // namespace zl::launcher
