// The `zlaunch config` wizard end to end: through a pseudo-terminal (arrow keys, typed answers, the
// terminal restored) and through a pipe (numbered fallback); the written files are read back with
// `zlaunch config show --json`.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>

#include "subprocess.h"

namespace {

using zl::testing::run_process;
using zl::testing::zlaunch_binary;

constexpr const char* kDown = "\x1b[B";

// A child process on a pseudo-terminal, driven expect-style: wait for a prompt, then type.
class PtySession {
 public:
  explicit PtySession(const std::vector<std::string>& argv) {
    pid_ = forkpty(&master_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~PtySession() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }
  bool started() const { return pid_ > 0; }

  // True when `text` appears in the output after what was already consumed, within 20 s.
  bool expect(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      const auto at = output_.find(text, consumed_);
      if (at != std::string::npos) {
        consumed_ = at + text.size();
        return true;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0 || !read_some(static_cast<int>(left))) return false;
    }
  }
  void type(const std::string& keys) {
    ASSERT_EQ(::write(master_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  }
  void ask(const std::string& prompt, const std::string& keys) {
    ASSERT_TRUE(expect(prompt)) << "never asked: " << prompt << "\n--- output so far ---\n" << output_;
    type(keys);
  }
  int wait_exit() {
    while (read_some(2000)) {
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  const std::string& output() const { return output_; }

 private:
  bool read_some(int timeout_ms) {
    pollfd p{master_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buffer[4096];
    const ssize_t n = ::read(master_, buffer, sizeof(buffer));
    if (n <= 0) return false;  // EIO once the child has exited
    output_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  int master_ = -1;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string output_;
  std::size_t consumed_ = 0;
};

nlohmann::json resolved(const std::string& dir) {
  zl::testing::ProcessOptions o;
  o.working_directory = dir;
  o.set_env["HOME"] = dir;
  for (const char* key : {"ZLAUNCH_NUM_PROCESSES", "ZLAUNCH_MIXED_PRECISION", "ZLAUNCH_METRICS_PORT"})
    o.unset_env.emplace_back(key);
  const auto r = run_process({zlaunch_binary(), "config", "show", "--json", "--config_file", dir + "/zlaunch.yaml"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

TEST(Wizard, ArrowKeyMenusOnATerminalWriteTheAnsweredConfig) {
  const std::string dir = zl::testing::make_temp_dir("zl_wizard_");
  PtySession s({zlaunch_binary(), "config", "--output", dir + "/out"});
  ASSERT_TRUE(s.started());
  const std::string down = kDown;
  s.ask("Where does the job run?", down + "\r");
  s.ask("How many machines?", "2\r");
  s.ask("This machine's rank", "1\r");
  s.ask("Address of the main machine", "10.0.0.5\r");
  s.ask("Port of the main machine", "\r");
  s.ask("Which launcher", "\r");
  s.ask("How many processes in total", "7\r");  // not a multiple of 2: asked again
  s.ask("use a multiple of 2", "");
  s.ask("How many processes in total", "6\r");
  s.ask("Which device?", "\r");
  s.ask("Mixed precision?", down + down + "\r");
  s.ask("Model", "tiny\r");
  ASSERT_TRUE(s.expect("stage 3: + parameters sharded - ")) << s.output();
  s.ask("per rank", down + "\r");  // default stage 2, one down: stage 3
  s.ask("Offload optimizer states", down + "\r");
  s.ask("Offload parameters", "\r");
  s.ask("Micro-batch size", "4\r");
  s.ask("Gradient accumulation steps", "3\r");
  ASSERT_TRUE(s.expect("global batch (train_batch_size) = 4 x 3 x 6 = 72")) << s.output();
  s.ask("Gradient clipping", "0.5\r");
  s.ask("Optimizer?", down + down + "\r");
  s.ask("Learning rate?", "0.05\r");
  s.ask("Weight decay?", "\r");
  s.ask("Momentum?", "0.9\r");
  s.ask("Learning-rate schedule?", down + down + down + "\r");
  s.ask("Warmup steps?", "10\r");
  s.ask("Total training steps", "500\r");
  s.ask("Metrics port", "9500\r");
  ASSERT_TRUE(s.expect("wrote " + dir + "/out/zlaunch.yaml")) << s.output();
  EXPECT_EQ(s.wait_exit(), 0) << s.output();

  const auto j = resolved(dir + "/out");
  const auto& launch = j.at("launch");
  const auto& training = j.at("training");
  EXPECT_EQ(launch.at("num_machines"), 2);
  EXPECT_EQ(launch.at("machine_rank"), 1);
  EXPECT_EQ(launch.at("main_process_ip"), "10.0.0.5");
  EXPECT_EQ(launch.at("main_process_port"), 29500);
  EXPECT_EQ(launch.at("num_processes"), 6);
  EXPECT_EQ(launch.at("mixed_precision"), "bf16");
  EXPECT_EQ(launch.at("model"), "tiny");
  EXPECT_EQ(launch.at("metrics").at("port"), 9500);
  EXPECT_EQ(training.at("zero_optimization").at("stage"), 3);
  EXPECT_EQ(training.at("zero_optimization").at("offload_optimizer").at("device"), "cpu");
  EXPECT_EQ(training.at("zero_optimization").at("offload_param").at("device"), "none");
  EXPECT_EQ(training.at("zero_optimization").at("reduce_bucket_size"), 64 * 64);  // auto from tiny's width
  EXPECT_EQ(training.at("train_batch_size"), 72);
  EXPECT_EQ(training.at("gradient_clipping"), 0.5);
  EXPECT_EQ(training.at("bf16").at("enabled"), true);
  EXPECT_EQ(training.at("optimizer").at("type"), "SGD");
  EXPECT_EQ(training.at("optimizer").at("params").at("momentum"), 0.9);
  EXPECT_EQ(training.at("scheduler").at("type"), "WarmupCosineLR");
  EXPECT_EQ(training.at("scheduler").at("params").at("total_num_steps"), 500);
}

TEST(Wizard, CtrlCCancelsWithoutWritingAndRestoresTheTerminal) {
  const std::string dir = zl::testing::make_temp_dir("zl_wizard_");
  PtySession s({zlaunch_binary(), "config", "--output", dir + "/out"});
  ASSERT_TRUE(s.started());
  s.ask("Where does the job run?", "\x03");
  ASSERT_TRUE(s.expect("cancelled")) << s.output();
  EXPECT_EQ(s.wait_exit(), 2);
  EXPECT_FALSE(std::filesystem::exists(dir + "/out"));
  EXPECT_NE(s.output().find("\x1b[?25h"), std::string::npos) << "the cursor is shown again";
}

TEST(Wizard, NumberedFallbackReadsAnswersFromAPipe) {
  const std::string dir = zl::testing::make_temp_dir("zl_wizard_");
  zl::testing::ProcessOptions o;
  // machines, launcher, hostfile, processes, device, precision, model, stage, offload optimizer, micro, accumulation,
  // clipping, optimizer, lr, weight decay, schedule, warmup, metrics port, where to save
  o.stdin_text = "1\n2\n\n4\ncpu\n2\nsmall\n2\n1\n\n2\n\n1\n\n\n2\n5\n\n" + dir + "/piped\n";
  const auto r = run_process({zlaunch_binary(), "config"}, o);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("  1) this machine only"), std::string::npos) << r.out;
  const auto j = resolved(dir + "/piped");
  EXPECT_EQ(j.at("launch").at("launcher"), "mpi");
  EXPECT_EQ(j.at("launch").at("num_processes"), 4);
  EXPECT_EQ(j.at("launch").at("mixed_precision"), "fp16");
  EXPECT_EQ(j.at("training").at("zero_optimization").at("stage"), 1);
  EXPECT_EQ(j.at("training").at("gradient_accumulation_steps"), 2);
  EXPECT_EQ(j.at("training").at("train_batch_size"), 8 * 2 * 4);
  EXPECT_EQ(j.at("training").at("scheduler").at("type"), "WarmupLR");
  EXPECT_EQ(j.at("training").at("scheduler").at("params").at("warmup_num_steps"), 5);

  o.stdin_text = "1\n1\n";  // input ends early
  const auto early = run_process({zlaunch_binary(), "config", "--output", dir + "/early"}, o);
  EXPECT_EQ(early.exit_code, 2);
  EXPECT_NE(early.err.find("input ended before the wizard finished"), std::string::npos) << early.err;
}

}  // namespace
