// attempts.jsonl (attempt_record.h).
#include "zl/launcher/attempt_record.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "zl/launcher/failure_report.h"

namespace zl::launcher {

const char* to_string(AttemptOutcome::Kind kind) {
  switch (kind) {
    case AttemptOutcome::Kind::kSuccess:
      return "success";
    case AttemptOutcome::Kind::kRankFailed:
      return "failed";
    case AttemptOutcome::Kind::kHang:
      return "hung";
    case AttemptOutcome::Kind::kInterrupted:
      return "interrupted";
    case AttemptOutcome::Kind::kPeerFailed:
      return "peer_failed";
    case AttemptOutcome::Kind::kNotStarted:
      return "not_started";
  }
  return "failed";
}

void append_attempt_record(const LaunchPlan& plan, int attempt, const AttemptOutcome& outcome, double seconds) {
  const std::string cause = root_cause_summary(plan, outcome);
  const nlohmann::json line = {{"attempt", attempt},
                               {"node", plan.machine_rank},
                               {"outcome", to_string(outcome.kind)},
                               {"exit_code", outcome.exit_code},
                               {"root_cause", cause.empty() ? nlohmann::json() : nlohmann::json(cause)},
                               {"seconds", seconds}};
  const std::string text = line.dump() + "\n";
  const std::string path = plan.run_dir + "/attempts.jsonl";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const bool written = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int err = errno;
  if (fd >= 0) ::close(fd);
  if (!written) std::fprintf(stderr, "zlaunch: warning: cannot append to %s: %s\n", path.c_str(), std::strerror(err));
}

}  // namespace zl::launcher
