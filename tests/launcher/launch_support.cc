// Launcher test helpers (launch_support.h).
#include "launch_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "http_client.h"

namespace zl::testing {

std::string rank_program() { return ZL_RANK_PROGRAM; }

ProcessOptions isolated_launch_options(const std::string& dir, const std::vector<std::string>& also_unset) {
  ProcessOptions o;
  o.working_directory = dir;
  o.set_env = {{"HOME", dir}};
  o.unset_env = {"ZLAUNCH_STORE_TOKEN"};
  o.unset_env.insert(o.unset_env.end(), also_unset.begin(), also_unset.end());
  o.timeout = std::chrono::seconds(60);
  return o;
}

std::vector<std::string> zlaunch_run_argv(const std::string& dir, const std::vector<std::string>& args,
                                          const std::string& run_id) {
  std::vector<std::string> argv = {zlaunch_binary(), "run", "--log_dir", dir + "/logs", "--run_id", run_id};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const std::string& output_dir)
    : out_path_(output_dir + "/background.out"), err_path_(output_dir + "/background.err") {
  std::vector<char*> c_argv;
  for (const auto& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execv(c_argv[0], c_argv.data());
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);
  ::close(out);
  ::close(err);
}

BackgroundProcess::~BackgroundProcess() {
  if (!reaped_) {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void BackgroundProcess::signal(int sig) const { ::kill(pid_, sig); }

int BackgroundProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

std::string BackgroundProcess::out() const { return read_file(out_path_); }
std::string BackgroundProcess::err() const { return read_file(err_path_); }

bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close == std::string::npos || (close + 2 < line.size() && line[close + 2] == 'Z');
}

bool wait_all_gone(const std::vector<pid_t>& pids, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    bool all = true;
    for (pid_t pid : pids) all = all && process_gone(pid);
    if (all) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::vector<pid_t> read_pid_files(const std::string& dir, int count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<pid_t> pids;
  for (int r = 0; r < count; ++r) {
    while (true) {
      std::ifstream in(dir + "/rank_" + std::to_string(r) + ".pid");
      pid_t pid = 0;
      if (in >> pid && pid > 0) {
        pids.push_back(pid);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) return pids;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return pids;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::vector<std::string> lines_starting_with(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

std::map<int, std::map<std::string, std::string>> printed_environments(const std::string& out) {
  std::map<int, std::map<std::string, std::string>> env;
  for (const auto& line : lines_starting_with(out, "[0:")) {
    const int rank = std::stoi(line.substr(3));
    const auto body = line.substr(line.find("] ") + 2);
    const auto eq = body.find('=');
    if (eq != std::string::npos) env[rank][body.substr(0, eq)] = body.substr(eq + 1);
  }
  return env;
}

bool scrape_until(int port, std::string& page, std::chrono::milliseconds timeout,
                  const std::function<bool(const std::string&)>& done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto r = http_get(port, "/metrics", std::chrono::seconds(2));
    if (r.status == 200) {
      page = r.body;
      if (done(page)) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

namespace {}  // namespace

std::vector<std::string> process_strings(const std::string& pid, const char* file) {
  // read(2), not a stream: a process that exits while it is read fails the read with ESRCH, which a
  // std::ifstream reports by throwing.
  std::string data;
  const int fd = ::open(("/proc/" + pid + "/" + file).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buffer[65536];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) data.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
  }
  std::vector<std::string> strings;
  std::string current;
  for (const char c : data) {
    if (c == '\0') {
      strings.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) strings.push_back(current);
  return strings;
}

namespace {

std::vector<std::string> process_ids() {
  std::vector<std::string> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) pids.push_back(name);
  }
  return pids;
}

}  // namespace

std::map<pid_t, std::string> all_command_lines() {
  std::map<pid_t, std::string> lines;
  for (const std::string& pid : process_ids()) {
    std::string line;
    for (const std::string& argument : process_strings(pid, "cmdline")) line += (line.empty() ? "" : " ") + argument;
    if (!line.empty()) lines[static_cast<pid_t>(std::stol(pid))] = line;
  }
  return lines;
}

std::string environment_value_in_run(const std::string& run_id, const std::string& name) {
  for (const std::string& pid : process_ids()) {
    const std::vector<std::string> environment = process_strings(pid, "environ");
    if (std::find(environment.begin(), environment.end(), "ZLAUNCH_RUN_ID=" + run_id) == environment.end()) continue;
    for (const std::string& variable : environment) {
      if (variable.rfind(name + "=", 0) == 0) return variable.substr(name.size() + 1);
    }
  }
  return "";
}

}  // namespace zl::testing
