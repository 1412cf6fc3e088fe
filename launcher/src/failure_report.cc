// format_failure_report() (failure_report.h).
#include "zl/launcher/failure_report.h"

#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "zl/launcher/rank_placement.h"
#include "zl/launcher/rank_process.h"

namespace zl::launcher {
namespace {

// An error file's message: ours ({"message": "...", "signal": ..., "backtrace": [...]}) or torch's
// @record ({"message": {"message": "Type: text", "extraInfo": {"py_callstack": "...", ...}}}, the same
// file through TORCHELASTIC_ERROR_FILE). nullopt when there is no file or it is not JSON.
std::optional<nlohmann::json> read_error_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto record = nlohmann::json::parse(text, nullptr, false);
  if (!record.is_object()) return nlohmann::json(text.substr(0, 2000));
  return record;
}

bool is_torch_record(const nlohmann::json& record) {
  return record.is_object() && record.contains("message") && record["message"].is_object();
}

std::string message_of(const nlohmann::json& record) {
  if (!record.is_object()) return record.is_string() ? record.get<std::string>() : "";
  if (is_torch_record(record)) return record["message"].value("message", std::string());
  const auto message = record.contains("message") ? record["message"] : nlohmann::json();
  return message.is_string() ? message.get<std::string>() : message.is_null() ? "" : message.dump();
}

void append_error_file(std::ostringstream& os, const std::string& path) {
  const auto record = read_error_file(path);
  if (!record) {
    os << "  error file: none written (" << path << ")\n";
    return;
  }
  if (!record->is_object()) {
    os << "  error file " << path << " (not JSON):\n    " << record->get<std::string>() << '\n';
    return;
  }
  os << "  error file " << path << ":\n";
  os << "    message: " << message_of(*record) << '\n';
  if (is_torch_record(*record)) {
    const auto extra = (*record)["message"].value("extraInfo", nlohmann::json::object());
    if (extra.is_object() && extra.contains("py_callstack") && extra["py_callstack"].is_string()) {
      os << "    traceback:\n";
      std::istringstream lines(extra["py_callstack"].get<std::string>());
      for (std::string line; std::getline(lines, line);) os << "      " << line << '\n';
    }
    return;
  }
  if (const auto sig = record->value("signal", std::string()); !sig.empty()) os << "    signal: " << sig << '\n';
  if (record->contains("backtrace") && (*record)["backtrace"].is_array() && !(*record)["backtrace"].empty()) {
    os << "    backtrace:\n";
    for (const auto& frame : (*record)["backtrace"]) {
      if (frame.is_string()) os << "      " << frame.get<std::string>() << '\n';
    }
  }
}

std::string describe_rank(const RankRecord& r) {
  if (r.external) return "ended with the job (its own status is known to the external launcher only)";
  if (!r.exited) return "still running";
  std::string text = describe_status(r.status);
  if (r.stopped_by_launcher) text += " (stopped by zlaunch)";
  return text;
}

// "node N, host H": where the rank ran, as far as the external launcher named it, else this machine.
std::string where(const LaunchPlan& plan, const RankRecord& r) {
  if (r.node < 0 && r.host.empty()) return "node " + std::to_string(plan.machine_rank) + ", host " + plan.hostname;
  std::string text = r.node >= 0 ? "node " + std::to_string(r.node) : "";
  if (!r.host.empty()) text += (text.empty() ? "host " : ", host ") + r.host;
  return text;
}

// "node 1 (host h, ranks 2, 3): never started within --rdzv_timeout (15 s)"
std::string describe_node(const NodeFailure& node) {
  std::string where = node.host.empty() ? "" : "host " + node.host;
  if (!node.ranks.empty()) where += (where.empty() ? "rank(s) " : ", rank(s) ") + index_list(node.ranks);
  std::string text = node.node >= 0 ? "node " + std::to_string(node.node) : "a node";
  if (!where.empty()) text += " (" + where + ")";
  return text + ": " + node.reason;
}

}  // namespace

std::string root_cause_summary(const LaunchPlan& plan, const AttemptOutcome& outcome) {
  if (outcome.kind == AttemptOutcome::Kind::kSuccess) return "";
  if (outcome.kind == AttemptOutcome::Kind::kPeerFailed) return "on another machine: " + outcome.peer_failure;
  if (outcome.root_cause >= 0) {
    const auto& r = outcome.ranks[static_cast<std::size_t>(outcome.root_cause)];
    std::string text = "rank " + std::to_string(r.rank) + " (" + where(plan, r) + ") " +
                       (r.hang_reason.empty() ? describe_status(r.status) : "hung: " + r.hang_reason);
    if (const auto record = read_error_file(r.error_file)) {
      if (const std::string message = message_of(*record); !message.empty()) text += ": " + message;
    }
    return text;
  }
  if (outcome.kind == AttemptOutcome::Kind::kInterrupted) {
    std::string text = "interrupted by " + signal_name(outcome.signal);
    if (!outcome.failed_nodes.empty()) text += " after " + describe_node(outcome.failed_nodes.front());
    return text;
  }
  if (!outcome.failed_nodes.empty()) return describe_node(outcome.failed_nodes.front());
  return "the external launcher exited with code " + std::to_string(outcome.exit_code) +
         " without naming the failing rank";
}

std::string format_failure_report(const LaunchPlan& plan, int attempt, const AttemptOutcome& outcome) {
  std::ostringstream os;
  os << "zlaunch: ===== failure report: run " << plan.run_id << ", attempt " << attempt << " =====\n";
  if (outcome.kind == AttemptOutcome::Kind::kPeerFailed) {
    os << "root cause on another machine: " << outcome.peer_failure << '\n';
  } else if (outcome.kind == AttemptOutcome::Kind::kInterrupted) {
    os << "interrupted by " << signal_name(outcome.signal) << " (forwarded to every rank)\n";
  }
  if (outcome.root_cause >= 0) {
    const auto& r = outcome.ranks[static_cast<std::size_t>(outcome.root_cause)];
    os << "root cause: rank " << r.rank << " (local rank " << r.local_rank << ", " << where(plan, r) << ", pid "
       << r.pid << "): ";
    if (!r.hang_reason.empty()) {
      os << "hung: " << r.hang_reason << "; then " << describe_rank(r) << '\n';
    } else {
      os << describe_status(r.status) << '\n';
    }
    append_error_file(os, r.error_file);
    if (!r.stderr_tail.empty()) {
      os << "  last " << r.stderr_tail.size() << " lines of stderr (" << r.stderr_path << "):\n";
      for (const auto& line : r.stderr_tail) os << "    | " << line << '\n';
    } else {
      os << "  stderr: empty (" << r.stderr_path << ")\n";
    }
  }
  for (const NodeFailure& node : outcome.failed_nodes) {
    os << "root cause: " << describe_node(node) << '\n';
  }
  if (outcome.kind == AttemptOutcome::Kind::kRankFailed && outcome.root_cause < 0 && outcome.failed_nodes.empty()) {
    os << "root cause: the external launcher exited with code " << outcome.exit_code
       << " without naming the failing rank\n";
  }
  if (!outcome.launcher_messages.empty()) {
    os << "  external launcher's last messages:\n";
    for (const auto& line : outcome.launcher_messages) os << "    | " << line << '\n';
  }
  bool header = false;
  for (std::size_t i = 0; i < outcome.ranks.size(); ++i) {
    if (static_cast<int>(i) == outcome.root_cause) continue;
    if (!header) os << "other ranks:\n";
    header = true;
    const auto& r = outcome.ranks[i];
    os << "  rank " << r.rank << " (local " << r.local_rank << ", pid " << r.pid << "): " << describe_rank(r) << '\n';
  }
  os << "logs: " << plan.attempt_dir(attempt) << "/\n";
  os << "exit code: " << outcome.exit_code << '\n';
  return os.str();
}

}  // namespace zl::launcher
