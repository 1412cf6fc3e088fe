// read_run_record (run_record.h): the run directory's files into one RunRecord. Step logs are required
// and strict (a malformed line is an error naming file:line); every other input is optional and
// lenient (absent or malformed becomes a note on the page), since a report of a crashed run is the one
// most wanted.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "run_record.h"
#include "zl/base/error.h"

namespace zl::metrics::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

double number_or_missing(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : kMissing;
}

std::map<std::string, double> numbers_of(const json& j, const char* key) {
  std::map<std::string, double> out;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return out;
  for (const auto& [name, value] : it->items()) {
    if (value.is_number()) out[name] = value.get<double>();
  }
  return out;
}

StepRecord step_from_json(const json& j) {
  StepRecord s;
  s.step = j.at("step").get<std::int64_t>();
  s.attempt = j.value("attempt", 0);
  s.loss = number_or_missing(j, "loss");
  s.lr = number_or_missing(j, "lr");
  s.grad_norm = number_or_missing(j, "grad_norm");
  s.loss_scale = number_or_missing(j, "loss_scale");
  s.tokens = number_or_missing(j, "tokens");
  s.rank_tokens = number_or_missing(j, "rank_tokens");
  s.tokens_total = number_or_missing(j, "tokens_total");
  s.seconds = number_or_missing(j, "seconds");
  s.skipped = j.value("skipped", false);
  s.skipped_reason = j.value("skipped_reason", std::string());
  s.world_size = j.value("world_size", 0);
  s.zero_stage = j.value("zero_stage", -1);
  s.memory = numbers_of(j, "memory");
  s.memory_peak = numbers_of(j, "memory_peak");
  if (const auto it = j.find("comm"); it != j.end() && it->is_object()) {
    for (const auto& [collective, totals] : it->items()) {
      if (totals.is_object()) s.comm_seconds[collective] = number_or_missing(totals, "seconds");
    }
  }
  s.comm_exposed_seconds = number_or_missing(j, "comm_exposed_seconds");
  return s;
}

std::vector<RankSteps> read_step_logs(const std::string& run_dir) {
  const fs::path dir = fs::path(run_dir) / "steps";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw UsageError("zlaunch report: " + dir.string() +
                     " does not exist: pass the run directory of a training run "
                     "(<log_dir>/<run_id>, printed by zlaunch run), whose ranks write steps/rank_<K>.jsonl");
  }
  std::vector<RankSteps> ranks;
  const std::regex name("rank_([0-9]+)\\.jsonl");
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::smatch m;
    const std::string file = entry.path().filename().string();
    if (!std::regex_match(file, m, name)) continue;
    RankSteps rank;
    rank.rank = std::stoi(m[1]);
    std::ifstream in(entry.path());
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      if (line.empty()) continue;
      try {
        rank.steps.push_back(step_from_json(json::parse(line)));
      } catch (const json::exception& e) {
        throw ConfigError(entry.path().string() + ":" + std::to_string(number) + ": not a step record (" + e.what() +
                          ")");
      }
    }
    ranks.push_back(std::move(rank));
  }
  if (ranks.empty()) throw UsageError("zlaunch report: no steps/rank_<K>.jsonl in " + run_dir);
  std::sort(ranks.begin(), ranks.end(), [](const RankSteps& a, const RankSteps& b) { return a.rank < b.rank; });
  // Old logs (no rank_tokens): "tokens" was this rank's share (StepRecord::tokens).
  const double rank_count = static_cast<double>(ranks.size());
  for (auto& rank : ranks) {
    for (auto& s : rank.steps) {
      if (std::isnan(s.rank_tokens) && !std::isnan(s.tokens)) s.rank_tokens = s.tokens, s.tokens *= rank_count;
    }
  }
  return ranks;
}

// Parses a whole optional JSON file; nullopt (with a note) when absent or not JSON.
std::optional<json> read_optional_json(const fs::path& path, const char* absent_note, std::vector<std::string>& notes) {
  std::ifstream in(path);
  if (!in) {
    notes.push_back(path.filename().string() + " " + absent_note);
    return std::nullopt;
  }
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    notes.push_back(path.string() + ": not a JSON object, ignored");
    return std::nullopt;
  }
  return j;
}

std::optional<ConfigFacts> read_config(const std::string& run_dir, std::vector<std::string>& notes) {
  const auto j = read_optional_json(fs::path(run_dir) / "config.resolved.json",
                                    "is absent: config files, ZeRO stage and precision come from the step logs, "
                                    "where logged",
                                    notes);
  if (!j) return std::nullopt;
  ConfigFacts c;
  try {
    const json launch = j->value("launch", json::object());
    const json training = j->value("training", json::object());
    c.files_used = j->value("files_used", c.files_used);
    c.world_size = launch.value("num_processes", 0);
    c.precision = launch.value("mixed_precision", std::string());
    c.model = launch.value("model", std::string());
    c.device = launch.value("device", std::string());
    c.zero_stage = training.value("zero_optimization", json::object()).value("stage", -1);
  } catch (const json::exception& e) {
    notes.push_back("config.resolved.json: unexpected layout (" + std::string(e.what()) + "), ignored");
    return std::nullopt;
  }
  return c;
}

std::optional<MemoryEstimate> read_estimate(const std::string& run_dir, std::vector<std::string>& notes) {
  const auto j = read_optional_json(fs::path(run_dir) / "memory_estimate.json",
                                    "is absent: no estimate to compare the measured memory with", notes);
  if (!j) return std::nullopt;
  MemoryEstimate e;
  try {
    e.model = j->value("model", std::string());
    e.parameters = number_or_missing(*j, "parameters");
    e.zero_stage = j->value("zero_stage", -1);
    e.world_size = j->value("world_size", 0);
    e.precision = j->value("precision", std::string());
    e.per_rank_bytes = numbers_of(*j, "per_rank_bytes");
    e.exact = j->value("exact", e.exact);
    e.leaves_out = j->value("leaves_out", e.leaves_out);
  } catch (const json::exception& error) {
    notes.push_back("memory_estimate.json: unexpected layout (" + std::string(error.what()) + "), ignored");
    return std::nullopt;
  }
  if (e.per_rank_bytes.empty()) {
    notes.push_back("memory_estimate.json has no per_rank_bytes, ignored");
    return std::nullopt;
  }
  return e;
}

std::vector<AttemptRecord> read_attempts(const std::string& run_dir, bool& present, std::vector<std::string>& notes) {
  std::vector<AttemptRecord> attempts;
  const fs::path path = fs::path(run_dir) / "attempts.jsonl";
  std::ifstream in(path);
  present = static_cast<bool>(in);
  if (!present) {
    notes.push_back("attempts.jsonl is absent: attempts, outcomes and wall time come from the step logs");
    return attempts;
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("attempt") || !j.at("attempt").is_number_integer()) {
      notes.push_back(path.string() + ":" + std::to_string(number) + ": not an attempt record, ignored");
      continue;
    }
    AttemptRecord a;
    a.attempt = j.at("attempt").get<int>();
    if (const auto it = j.find("outcome"); it != j.end() && it->is_string()) a.outcome = it->get<std::string>();
    if (const auto it = j.find("exit_code"); it != j.end() && it->is_number_integer()) a.exit_code = it->get<int>();
    if (const auto it = j.find("root_cause"); it != j.end() && it->is_string()) a.root_cause = it->get<std::string>();
    a.seconds = number_or_missing(j, "seconds");
    attempts.push_back(std::move(a));
  }
  std::stable_sort(attempts.begin(), attempts.end(),
                   [](const AttemptRecord& a, const AttemptRecord& b) { return a.attempt < b.attempt; });
  return attempts;
}

}  // namespace

RunRecord read_run_record(const std::string& run_dir) {
  RunRecord r;
  r.run_dir = run_dir;
  r.ranks = read_step_logs(run_dir);
  r.config = read_config(run_dir, r.notes);
  r.estimate = read_estimate(run_dir, r.notes);
  r.attempts = read_attempts(run_dir, r.has_attempts_file, r.notes);
  r.console = read_train_console(run_dir);
  if (r.console.files.empty()) {
    r.notes.push_back("no attempt_<N>/rank_0.out: validation loss and task score unknown");
  }
  return r;
}

}  // namespace zl::metrics::report
