// The HTML run report (run_report.h): parse the per-rank step logs, then one chart per question.
#include "zl/metrics/run_report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "zl/base/error.h"
#include "zl/metrics/svg_chart.h"

namespace zl::metrics {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RankLog {
  int rank = 0;
  std::vector<json> steps;
};

std::vector<RankLog> read_rank_logs(const std::string& run_dir) {
  std::vector<RankLog> logs;
  const fs::path dir = fs::path(run_dir) / "steps";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw UsageError("zlaunch report: " + dir.string() +
                     " does not exist: pass the run directory of a training run "
                     "(<log_dir>/<run_id>, printed by zlaunch run), whose ranks write steps/rank_<K>.jsonl");
  }
  const std::regex name("rank_([0-9]+)\\.jsonl");
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::smatch m;
    const std::string file = entry.path().filename().string();
    if (!std::regex_match(file, m, name)) continue;
    RankLog log;
    log.rank = std::stoi(m[1]);
    std::ifstream in(entry.path());
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      if (line.empty()) continue;
      try {
        log.steps.push_back(json::parse(line));
        log.steps.back().at("step").get<double>();
      } catch (const json::exception& e) {
        throw ConfigError(entry.path().string() + ":" + std::to_string(number) + ": not a step record (" + e.what() +
                          ")");
      }
    }
    logs.push_back(std::move(log));
  }
  if (logs.empty()) throw UsageError("zlaunch report: no steps/rank_<K>.jsonl in " + run_dir);
  std::sort(logs.begin(), logs.end(), [](const RankLog& a, const RankLog& b) { return a.rank < b.rank; });
  return logs;
}

double number_at(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : std::numeric_limits<double>::quiet_NaN();
}

Series per_step(const std::string& name, const RankLog& log, double (*value)(const json&)) {
  Series s{name, {}, false, {}};
  for (const auto& step : log.steps) s.points.emplace_back(step.at("step").get<double>(), value(step));
  return s;
}

std::string kind_color(const std::string& kind) {
  static const std::map<std::string, std::string> colors = {{"params", "#1f77b4"},      {"grads", "#ff7f0e"},
                                                            {"optimizer", "#2ca02c"},   {"master", "#d62728"},
                                                            {"activations", "#9467bd"}, {"buffers", "#8c564b"}};
  const auto it = colors.find(kind);
  return it != colors.end() ? it->second : "#7f7f7f";
}

// The last step's bytes by kind and rank as a table (MiB), with the estimate when there is one.
std::string memory_table(const std::map<std::string, std::map<int, double>>& bytes, const std::vector<RankLog>& logs,
                         const json& estimate) {
  if (bytes.empty()) return "";
  const bool with_estimate = estimate.is_object();
  std::ostringstream t;
  t << "<table><caption>Bytes held at the last logged step (MiB)</caption><tr><th>kind</th>";
  for (const auto& log : logs) t << "<th>rank " << log.rank << "</th>";
  if (with_estimate) t << "<th>estimate</th>";
  t << "</tr>";
  auto mib = [](double b) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f", b / 1048576.0);
    return std::string(buffer);
  };
  for (const auto& [kind, by_rank] : bytes) {
    t << "<tr><td style=\"color:" << kind_color(kind) << "\">" << escape_xml(kind) << "</td>";
    for (const auto& log : logs) {
      const auto it = by_rank.find(log.rank);
      t << "<td>" << (it != by_rank.end() ? mib(it->second) : "") << "</td>";
    }
    if (with_estimate) {
      const auto it = estimate.find(kind);
      t << "<td>" << (it != estimate.end() && it->is_number() ? mib(it->get<double>()) : "") << "</td>";
    }
    t << "</tr>";
  }
  t << "</table>";
  return t.str();
}

}  // namespace

std::string render_run_report(const std::string& run_dir) {
  const std::vector<RankLog> logs = read_rank_logs(run_dir);
  const std::string rank_name = "rank ";
  std::vector<std::string> charts;

  charts.push_back(
      render_line_chart({"Loss", "optimizer step", "loss (nats/token)"},
                        {per_step("loss", logs.front(), [](const json& j) { return number_at(j, "loss"); })}));
  std::vector<Series> throughput, step_time;
  for (const auto& log : logs) {
    throughput.push_back(per_step(rank_name + std::to_string(log.rank), log,
                                  [](const json& j) { return number_at(j, "tokens") / number_at(j, "seconds"); }));
    step_time.push_back(
        per_step(rank_name + std::to_string(log.rank), log, [](const json& j) { return number_at(j, "seconds"); }));
  }
  charts.push_back(render_line_chart({"Tokens per second, per rank", "optimizer step", "tokens/s"}, throughput));
  charts.push_back(render_line_chart({"Step time per rank", "optimizer step", "seconds"}, step_time));

  json estimate;
  std::ifstream estimate_file(fs::path(run_dir) / "memory_estimate.json");
  if (estimate_file) estimate = json::parse(estimate_file, nullptr, false);
  // One colour per kind (ranks of one kind usually coincide: an even partition), so the legend reads
  // as a key of kinds; a kind that stayed at 0 says so, since its line hides in the x axis.
  std::vector<Series> memory;
  std::map<std::string, std::map<int, double>> final_bytes;  // kind -> rank -> bytes at the last step
  for (const auto& log : logs) {
    std::map<std::string, Series> by_kind;
    for (const auto& step : log.steps) {
      if (!step.contains("memory")) continue;
      for (const auto& [kind, bytes] : step.at("memory").items()) {
        auto& s = by_kind[kind];
        s.name = rank_name + std::to_string(log.rank) + " " + kind;
        s.color = kind_color(kind);
        s.points.emplace_back(step.at("step").get<double>(), bytes.get<double>());
        final_bytes[kind][log.rank] = bytes.get<double>();
      }
    }
    for (auto& [kind, s] : by_kind) {
      if (std::all_of(s.points.begin(), s.points.end(), [](const auto& p) { return p.second == 0; })) s.name += " (0)";
      memory.push_back(std::move(s));
    }
  }
  if (estimate.is_object() && !logs.front().steps.empty()) {
    const double first = logs.front().steps.front().at("step").get<double>();
    const double last = logs.front().steps.back().at("step").get<double>();
    for (const auto& [kind, bytes] : estimate.items()) {
      if (bytes.is_number()) {
        memory.push_back(Series{
            "estimate " + kind, {{first, bytes.get<double>()}, {last, bytes.get<double>()}}, true, kind_color(kind)});
      }
    }
  }
  charts.push_back(
      render_line_chart({"Memory by kind per rank (dashed: estimate-memory)", "optimizer step", "bytes"}, memory));
  charts.back() += memory_table(final_bytes, logs, estimate);

  std::map<std::string, Series> comm;
  for (const auto& step : logs.front().steps) {
    if (!step.contains("comm")) continue;
    for (const auto& [collective, totals] : step.at("comm").items()) {
      auto& s = comm[collective];
      s.name = collective;
      s.points.emplace_back(step.at("step").get<double>(), totals.value("seconds", 0.0));
    }
  }
  std::vector<Series> comm_series;
  for (auto& [name, s] : comm) comm_series.push_back(std::move(s));
  Series exposed{"exposed (not overlapped)", {}, true, "#000"};
  for (const auto& step : logs.front().steps) {
    if (step.contains("comm_exposed_seconds"))
      exposed.points.emplace_back(step.at("step").get<double>(), number_at(step, "comm_exposed_seconds"));
  }
  if (!exposed.points.empty()) comm_series.push_back(std::move(exposed));
  charts.push_back(render_line_chart(
      {"Communication time per collective (rank 0, cumulative)", "optimizer step", "seconds"}, comm_series));

  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>zlaunch run report: "
       << escape_xml(fs::path(run_dir).filename().string()) << "</title><style>body{font-family:sans-serif;margin:2em;"
       << "max-width:1400px}figure{display:inline-block;margin:0 1em 1em 0;border:1px solid #ddd}"
       << "table{border-collapse:collapse;margin:0 0 1em 70px;font-size:13px}caption{text-align:left;padding:4px "
          "0;white-space:nowrap}"
       << "td,th{border:1px solid #ddd;padding:2px "
          "10px;text-align:right}td:first-child{text-align:left;font-weight:bold}"
       << "</style></head><body>\n<h1>zlaunch run report</h1>\n<p>Run directory: <code>" << escape_xml(run_dir)
       << "</code>; " << logs.size() << " rank(s), " << logs.front().steps.size() << " optimizer steps logged by rank "
       << logs.front().rank << ".</p>\n";
  for (const auto& chart : charts) html << "<figure>" << chart << "</figure>\n";
  html << "</body></html>\n";
  return html.str();
}

std::string write_run_report(const std::string& run_dir, const std::string& out_path) {
  const std::string path = out_path.empty() ? (fs::path(run_dir) / "report.html").string() : out_path;
  const std::string html = render_run_report(run_dir);
  std::ofstream out(path);
  out << html;
  if (!out) throw UsageError("zlaunch report: cannot write " + path);
  return path;
}

}  // namespace zl::metrics
