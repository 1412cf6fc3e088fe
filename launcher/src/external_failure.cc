// The failing rank and host in mpirun's and srun's own lines (external_failure.h).
#include "zl/launcher/external_failure.h"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace zl::launcher {
namespace {

// The word starting at `at` (up to a space, ':' or ',' or the end).
std::string word_at(std::string_view line, std::size_t at) {
  const auto end = line.find_first_of(" :,", at);
  return std::string(line.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
}

// The leading number of text ("3-5,7: ..." -> 3), -1 when it does not start with a digit.
int leading_number(std::string_view text) {
  if (text.empty() || text[0] < '0' || text[0] > '9') return -1;
  return std::atoi(std::string(text.substr(0, text.find_first_not_of("0123456789"))).c_str());
}

}  // namespace

ExternalFailure find_srun_failure(const std::deque<std::string>& lines) {
  ExternalFailure killed;      // a task killed by a signal of its own
  ExternalFailure node;        // a node srun lost
  ExternalFailure exited;      // a task that exited with an error
  ExternalFailure terminated;  // a task srun or Slurm stopped with SIGTERM
  for (const std::string& line : lines) {
    const auto error = line.find("srun: error: ");
    if (error == std::string::npos) continue;
    const std::string_view rest = std::string_view(line).substr(error + 13);
    // "HOST: task R: REASON" or "HOST: tasks R-S,T: REASON"
    const auto colon = rest.find(": task");
    if (colon != std::string_view::npos && rest.find(' ') > colon) {
      const std::string_view tasks = rest.substr(colon + 2);
      const auto number = tasks.find(' ');
      const int rank = number == std::string_view::npos ? -1 : leading_number(tasks.substr(number + 1));
      if (rank >= 0) {
        ExternalFailure failure{rank, std::string(rest.substr(0, colon)), ""};
        if (const auto reason = tasks.find(": "); reason != std::string_view::npos) {
          failure.reason = std::string(tasks.substr(reason + 2));
        }
        ExternalFailure& kind = failure.reason == "Terminated"         ? terminated
                                : killed_by_own_signal(failure.reason) ? killed
                                                                       : exited;
        if (kind.rank < 0) kind = failure;
        continue;
      }
    }
    if (!node.host.empty()) continue;
    if (const auto at = rest.find("Node failure on "); at != std::string_view::npos) {
      node = {-1, word_at(rest, at + 16), "Node failure"};
    } else if (const auto launch = rest.find("failed on node "); launch != std::string_view::npos) {
      node = {-1, word_at(rest, launch + 15), std::string(rest)};
    }
  }
  // A rank killed by a signal (SIGKILL, SIGSEGV) causes the others' exits: their collectives fail when
  // its connections reset, and srun stops the rest with SIGTERM. A lost node explains its peers' errors
  // and the SIGTERM of the job that Slurm ends for it.
  if (killed.rank >= 0) return killed;
  if (!node.host.empty()) return node;
  return exited.rank >= 0 ? exited : terminated;
}

ExternalFailure find_mpirun_failure(const std::deque<std::string>& lines) {
  ExternalFailure failure;
  for (const std::string& line : lines) {
    if (const auto at = line.find("Process name: [["); at != std::string::npos) {
      const auto comma = line.find("],", at);
      if (comma != std::string::npos) failure.rank = std::atoi(line.c_str() + comma + 2);
    } else if (const auto noticed = line.find("process rank "); noticed != std::string::npos) {
      failure.rank = std::atoi(line.c_str() + noticed + 13);
      if (const auto node = line.find(" on node ", noticed); node != std::string::npos) {
        failure.host = word_at(line, node + 9);
      }
      if (const auto exited = line.find(" exited ", noticed); exited != std::string::npos) {
        failure.reason = line.substr(exited + 1);
      }
    }
  }
  return failure;
}

bool killed_by_own_signal(const std::string& reason) {
  return reason != "Terminated" && reason.rfind("Exited", 0) != 0 && status_from_srun_reason(reason, 0) != 0;
}

int status_from_srun_reason(const std::string& reason, int otherwise) {
  const std::string exited = "Exited with exit code ";
  if (reason.rfind(exited, 0) == 0) return (std::atoi(reason.c_str() + exited.size()) & 0xff) << 8;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (const char* text = ::strsignal(sig); text != nullptr && reason == text) return sig;
  }
  return otherwise;
}

}  // namespace zl::launcher
