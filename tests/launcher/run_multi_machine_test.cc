// Several machines: two zlaunch processes on loopback play machines 0 and 1 (and, as root where
// `ip netns` works, two network namespaces joined by a veth pair play two hosts). Machine 1 joins
// machine 0's store, receives its rank range, and failures on either side end the run on both.
// Rendezvous problems exit 3 with the cause named: machines that never came, a wrong token, an
// unreachable store.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "launch_support.h"
#include "subprocess.h"
#include "zl/store/socket_io.h"

namespace zl {
namespace {

using namespace std::chrono_literals;
using testing::BackgroundProcess;
using testing::rank_program;
using testing::zlaunch_binary;

class MultiMachineTest : public ::testing::Test {
 protected:
  std::string dir_ = testing::make_temp_dir("zl_run_mm_");
  std::string port_ = std::to_string(store::net::free_tcp_port());
  // Launchers started by hand share the secret the user exports on every machine; both inherit it.
  void SetUp() override { ::setenv("ZLAUNCH_STORE_TOKEN", "multi-machine-test-secret", 1); }
  void TearDown() override {
    ::unsetenv("ZLAUNCH_STORE_TOKEN");
    std::filesystem::remove_all(dir_);
  }

  std::vector<std::string> machine(int rank, std::vector<std::string> extra, const std::string& ip = "127.0.0.1",
                                   std::vector<std::string> prefix = {}) const {
    std::vector<std::string> argv = prefix;
    const std::vector<std::string> base = {zlaunch_binary(),
                                           "run",
                                           "--log_dir",
                                           dir_ + "/m" + std::to_string(rank),
                                           "--num_machines",
                                           "2",
                                           "--machine_rank",
                                           std::to_string(rank),
                                           "--main_process_ip",
                                           ip,
                                           "--main_process_port",
                                           port_,
                                           "--rdzv_timeout",
                                           "20",
                                           "--run_id",
                                           "mm"};
    argv.insert(argv.end(), base.begin(), base.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  std::string subdir(const std::string& name) const {
    const std::string d = dir_ + "/" + name;
    std::filesystem::create_directories(d);
    return d;
  }
};

TEST_F(MultiMachineTest, TwoLaunchersShareOneWorld) {
  const std::vector<std::string> job = {"-n", "4", rank_program(), "--print-env", "--store-check"};
  BackgroundProcess m0(machine(0, job), subdir("o0"));
  BackgroundProcess m1(machine(1, job), subdir("o1"));
  ASSERT_EQ(m0.wait(60s), 0) << m0.err();
  ASSERT_EQ(m1.wait(60s), 0) << m1.err();
  const std::string out0 = m0.out();
  const std::string out1 = m1.out();
  EXPECT_NE(out0.find("[0:1] RANK=1"), std::string::npos) << out0;
  EXPECT_NE(out1.find("[1:2] RANK=2"), std::string::npos) << out1;
  EXPECT_NE(out1.find("[1:3] LOCAL_RANK=1"), std::string::npos) << out1;
  EXPECT_NE(out1.find("[1:3] NODE_RANK=1"), std::string::npos) << out1;
  EXPECT_NE(out1.find("[1:2] WORLD_SIZE=4"), std::string::npos) << out1;
  // Ranks on different machines exchange values through the one store.
  EXPECT_NE(out0.find("[0:1] store ok: from 2"), std::string::npos) << out0;
  EXPECT_NE(out1.find("[1:3] store ok: from 0"), std::string::npos) << out1;
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/m1/mm/attempt_0/rank_3.out"));
}

TEST_F(MultiMachineTest, FailureOnOneMachineEndsBoth) {
  const std::vector<std::string> job = {"-n", "4", rank_program(), "--exit", "3:9", "--sleep", "60000"};
  BackgroundProcess m0(machine(0, job), subdir("o0"));
  BackgroundProcess m1(machine(1, job), subdir("o1"));
  EXPECT_EQ(m1.wait(60s), 9) << m1.err();
  EXPECT_EQ(m0.wait(60s), 9) << m0.err();
  EXPECT_NE(m0.err().find("rank 3 on machine 1"), std::string::npos) << m0.err();
}

TEST_F(MultiMachineTest, BothMachinesRestartTogether) {
  const std::vector<std::string> job = {"-n",          "4",      "--max_restarts", "1",       rank_program(),
                                        "--print-env", "--exit", "2:5:0",          "--sleep", "300"};
  BackgroundProcess m0(machine(0, job), subdir("o0"));
  BackgroundProcess m1(machine(1, job), subdir("o1"));
  EXPECT_EQ(m0.wait(60s), 0) << m0.err();
  EXPECT_EQ(m1.wait(60s), 0) << m1.err();
  EXPECT_NE(m0.out().find("[0:0] ZLAUNCH_ATTEMPT=1"), std::string::npos) << m0.out();
  EXPECT_NE(m1.out().find("[1:2] ZLAUNCH_ATTEMPT=1"), std::string::npos) << m1.out();
}

TEST_F(MultiMachineTest, RendezvousTimeoutNamesTheMissingMachine) {
  auto argv = machine(0, {"--rdzv_timeout", "1", "-n", "2", "/bin/true"});
  const auto result = testing::run_process(argv);
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("machine(s) 1 of 2 never joined"), std::string::npos) << result.err;
}

TEST_F(MultiMachineTest, CtrlCEndsARendezvousWait) {
  BackgroundProcess m0(machine(0, {"-n", "2", "/bin/true"}), subdir("o0"));  // waits for machine 1
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (m0.err().find("config files") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(100ms);
  m0.signal(SIGINT);
  EXPECT_EQ(m0.wait(5s), 128 + SIGINT) << m0.err();
}

TEST_F(MultiMachineTest, WrongTokenIsRefusedWithExitThree) {
  BackgroundProcess m0(machine(0, {"--rdzv_timeout", "10", "--rdzv_token", "right", "-n", "2", "/bin/true"}),
                       subdir("o0"));
  const auto result = testing::run_process(machine(1, {"--rdzv_token", "wrong", "-n", "2", "/bin/true"}));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("token"), std::string::npos) << result.err;
}

TEST_F(MultiMachineTest, UnreachableStoreExitsThree) {
  const auto result = testing::run_process(machine(1, {"--rdzv_timeout", "0.5", "-n", "2", "/bin/true"}));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("cannot reach the rendezvous store at 127.0.0.1:" + port_), std::string::npos)
      << result.err;
}

TEST_F(MultiMachineTest, SeveralMachinesStartedByHandNeedASharedSecret) {
  // Not even a shared --run_id stands in for the secret: anyone who knows the run id could derive it.
  const auto argv = machine(0, {"-n", "2", "/bin/true"});
  testing::ProcessOptions options;
  options.unset_env = {"ZLAUNCH_STORE_TOKEN"};
  const auto result = testing::run_process(argv, options);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("export ZLAUNCH_STORE_TOKEN="), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("the same value on every other machine"), std::string::npos) << result.err;
}

TEST_F(MultiMachineTest, ATokenOnTheCommandLineIsWarnedAbout) {
  BackgroundProcess m0(machine(0, {"--rdzv_token", "visible", "-n", "2", "/bin/true"}), subdir("o0"));
  BackgroundProcess m1(machine(1, {"--rdzv_token", "visible", "-n", "2", "/bin/true"}), subdir("o1"));
  ASSERT_EQ(m0.wait(60s), 0) << m0.err();
  ASSERT_EQ(m1.wait(60s), 0) << m1.err();
  EXPECT_NE(m0.err().find("--rdzv_token puts the store's secret on zlaunch's command line, where ps shows it"),
            std::string::npos)
      << m0.err();
}

// Two network namespaces joined by a veth pair: two hosts with their own addresses (10.200.N.1 and
// 10.200.N.2), created for this test and deleted afterwards.
class NetnsTest : public MultiMachineTest {
 protected:
  std::string a_, b_, subnet_;
  bool ready_ = false;

  static bool sh(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

  void SetUp() override {
    MultiMachineTest::SetUp();
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
    const std::string tag = std::to_string(::getpid() % 100000);
    a_ = "zlA" + tag;
    b_ = "zlB" + tag;
    subnet_ = "10.200." + std::to_string(::getpid() % 250) + ".";
    if (!sh("ip netns add " + a_)) GTEST_SKIP() << "`ip netns add` does not work here";
    ready_ = sh("ip netns add " + b_) && sh("ip link add " + a_ + "v type veth peer name " + b_ + "v") &&
             sh("ip link set " + a_ + "v netns " + a_) && sh("ip link set " + b_ + "v netns " + b_) &&
             sh("ip -n " + a_ + " addr add " + subnet_ + "1/24 dev " + a_ + "v") &&
             sh("ip -n " + b_ + " addr add " + subnet_ + "2/24 dev " + b_ + "v") &&
             sh("ip -n " + a_ + " link set " + a_ + "v up") && sh("ip -n " + b_ + " link set " + b_ + "v up") &&
             sh("ip -n " + a_ + " link set lo up") && sh("ip -n " + b_ + " link set lo up");
    if (!ready_) GTEST_SKIP() << "could not build the veth pair between the namespaces";
  }
  void TearDown() override {
    if (!a_.empty()) {
      sh("ip netns del " + a_);
      sh("ip netns del " + b_);
    }
    MultiMachineTest::TearDown();
  }
};

TEST_F(NetnsTest, TwoHostsJoinedByAVethPairRunOneWorld) {
  const std::string ip = subnet_ + "1";
  const std::vector<std::string> job = {"-n", "4", rank_program(), "--print-env", "--store-check"};
  BackgroundProcess m0(machine(0, job, ip, {"/usr/sbin/ip", "netns", "exec", a_}), subdir("o0"));
  BackgroundProcess m1(machine(1, job, ip, {"/usr/sbin/ip", "netns", "exec", b_}), subdir("o1"));
  ASSERT_EQ(m0.wait(60s), 0) << m0.err();
  ASSERT_EQ(m1.wait(60s), 0) << m1.err();
  EXPECT_NE(m1.out().find("[1:2] MASTER_ADDR=" + ip), std::string::npos) << m1.out();
  EXPECT_NE(m1.out().find("[1:2] ZLAUNCH_STORE=" + ip + ":" + port_), std::string::npos) << m1.out();
  EXPECT_NE(m1.out().find("[1:3] store ok: from 0"), std::string::npos) << m1.out();
}

// Under mpirun on several hosts zlaunch serves the store for ranks elsewhere: without main_process_ip
// it announces this host's own address (never 127.0.0.1, which every other host would take for
// itself), refuses a loopback one the user set, and says what to set on a host with no address.
TEST_F(NetnsTest, UnderMpirunTheStoreIsAnnouncedAtThisHostsOwnAddress) {
  { std::ofstream(dir_ + "/hosts") << subnet_ << "1 slots=2\n" << subnet_ << "2 slots=2\n"; }
  auto run = [&](const std::string& netns, std::vector<std::string> extra) {
    std::vector<std::string> argv = {
        "/usr/sbin/ip", "netns",         "exec", netns, zlaunch_binary(), "run", "--log_dir", dir_, "--launcher", "mpi",
        "--hostfile",   dir_ + "/hosts", "-n",   "4",   "--num_machines", "2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"--dry_run", "/bin/true"});
    return testing::run_process(argv);
  };
  auto r = run(a_, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ZLAUNCH_STORE=" + subnet_ + "1:29500"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MASTER_ADDR=" + subnet_ + "1 "), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("the ranks reach the store at " + subnet_ + "1 (the address of " + a_ + "v"), std::string::npos)
      << r.err;
  r = run(a_, {"--main_process_ip", "127.0.0.1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("main_process_ip 127.0.0.1 (flag --main_process_ip) is a loopback address"), std::string::npos)
      << r.err;
  const std::string bare = a_ + "x";  // a host with loopback only
  ASSERT_TRUE(sh("ip netns add " + bare));
  r = run(bare, {});
  sh("ip netns del " + bare);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("no network address but loopback"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("set main_process_ip"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace zl
