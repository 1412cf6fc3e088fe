// sample_process() (process_sampler.h): parses /proc/<pid>/stat (proc(5): state, utime, stime) and
// /proc/<pid>/status (VmRSS, Threads).
#include "zl/metrics/process_sampler.h"

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace zl::metrics {
namespace {

std::optional<std::string> read_proc_file(pid_t pid, const char* name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + name);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad() || text.empty()) return std::nullopt;  // the process went away while we read
  return text;
}

// The value after "Key:" on the line of status that starts with it, or nullopt.
std::optional<std::uint64_t> status_value(const std::string& status, const std::string& key) {
  const std::string lines = "\n" + status;
  const std::string prefix = "\n" + key + ":";
  const auto at = lines.find(prefix);
  if (at == std::string::npos) return std::nullopt;
  std::istringstream in(lines.substr(at + prefix.size()));
  std::uint64_t value = 0;
  if (!(in >> value)) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ProcessSample> sample_process(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  const auto stat = read_proc_file(pid, "stat");
  if (!stat) return std::nullopt;
  // "pid (comm) state ppid ... utime stime ...": comm may hold spaces and parentheses, so the fields
  // are counted from the last ')'. After it: state is field 3 of proc(5), utime 14 and stime 15.
  const auto paren = stat->rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(stat->substr(paren + 1));
  char state = 0;
  fields >> state;
  if (state == 'Z' || state == 'X') return std::nullopt;  // exited; only the exit status is left
  std::string skipped;
  for (int field = 4; field <= 13; ++field) fields >> skipped;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  if (!(fields >> utime >> stime)) return std::nullopt;

  const auto status = read_proc_file(pid, "status");
  if (!status) return std::nullopt;
  // Kernel threads and exiting processes have no VmRSS line: no memory of their own to report.
  const auto rss_kib = status_value(*status, "VmRSS");
  const auto threads = status_value(*status, "Threads");
  if (!rss_kib || !threads) return std::nullopt;

  static const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  ProcessSample sample;
  sample.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(ticks_per_second);
  sample.resident_bytes = *rss_kib * 1024;  // status reports kB, which proc(5) means as KiB
  sample.threads = static_cast<int>(*threads);
  return sample;
}

}  // namespace zl::metrics
