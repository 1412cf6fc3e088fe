// Hand-made run directories for the report tests (run_dir_fixture.h).
#include "run_dir_fixture.h"

#include <filesystem>
#include <fstream>

#include "subprocess.h"

namespace zl::metrics::testing {

nlohmann::json step_record(std::int64_t step, int attempt) {
  const double s = static_cast<double>(step);
  nlohmann::json memory = {{"params", 1000},      {"grads", 1000},   {"optimizer", 1000}, {"master", 1000},
                           {"activations", 1000}, {"buffers", 1000}, {"total", 6000}};
  return {{"step", step},
          {"attempt", attempt},
          {"loss", 3.0 / s},
          {"lr", 1e-3},
          {"grad_norm", 1.0},
          {"tokens", 2048},
          {"rank_tokens", 1024},
          {"tokens_total", 2048 * step},
          {"seconds", 0.5},
          {"loss_scale", 1.0},
          {"skipped", false},
          {"world_size", 2},
          {"zero_stage", 2},
          {"memory", memory},
          {"memory_peak", memory},
          {"comm",
           {{"all_reduce", {{"calls", step}, {"bytes", 100 * step}, {"seconds", 0.01 * s}}},
            {"broadcast", {{"calls", 0}, {"bytes", 0}, {"seconds", 0.0}}}}},
          {"comm_exposed_seconds", 0.005 * s}};
}

nlohmann::json with(nlohmann::json record, const nlohmann::json& changes) {
  record.update(changes);
  return record;
}

nlohmann::json old_step_record(std::int64_t step) {
  nlohmann::json r = step_record(step);
  for (const char* key : {"attempt", "rank_tokens", "tokens_total", "world_size", "zero_stage", "memory_peak"}) {
    r.erase(key);
  }
  r["tokens"] = 1024;
  r["memory"].erase("total");
  return r;
}

RunDir::RunDir() : path_(zl::testing::make_temp_dir("zl_report_")) {
  std::filesystem::create_directories(path_ + "/steps");
}

void RunDir::add_step(int rank, const nlohmann::json& record) const {
  append_line("steps/rank_" + std::to_string(rank) + ".jsonl", record.dump());
}

void RunDir::write(const std::string& relative, const std::string& text) const {
  const std::filesystem::path file = std::filesystem::path(path_) / relative;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

void RunDir::append_line(const std::string& relative, const std::string& line) const {
  std::ofstream(std::filesystem::path(path_) / relative, std::ios::app) << line << '\n';
}

std::string figure_titled(const std::string& html, const std::string& title) {
  for (auto start = html.find("<figure"); start != std::string::npos; start = html.find("<figure", start + 1)) {
    const auto end = html.find("</figure>", start);
    const std::string figure = html.substr(start, end - start);
    if (figure.find("<title>" + title + "</title>") != std::string::npos) return figure;
  }
  return "";
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

std::string summary_value(const std::string& html, const std::string& key) {
  const std::string open = "<dd id=\"summary-" + key + "\">";
  const auto start = html.find(open);
  if (start == std::string::npos) return "";
  const auto end = html.find("</dd>", start);
  return html.substr(start + open.size(), end - start - open.size());
}

}  // namespace zl::metrics::testing
