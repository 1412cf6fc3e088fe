// Hand-made run directories for the report tests: the files `zlaunch report` reads (run_report.h),
// written by the test itself so every expected value is known exactly.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace zl::metrics::testing {

// A step record of the current schema with plain values (loss 3/step, 0.5 s, 1024 of 2048 tokens,
// 1000 bytes of every memory kind, comm totals growing by 0.01 s per step); tests set what they check.
nlohmann::json step_record(std::int64_t step, int attempt = 0);

// record with the keys of `changes` replaced or added.
nlohmann::json with(nlohmann::json record, const nlohmann::json& changes);

// A record as the first step logs wrote it: no attempt, rank_tokens, tokens_total, world_size,
// zero_stage, memory_peak nor memory total; "tokens" is the rank's 1024.
nlohmann::json old_step_record(std::int64_t step);

class RunDir {
 public:
  RunDir();
  [[nodiscard]] const std::string& path() const { return path_; }

  // Appends one line to steps/rank_<rank>.jsonl.
  void add_step(int rank, const nlohmann::json& record) const;
  // Writes (replaces) a file under the run directory, creating its folders.
  void write(const std::string& relative, const std::string& text) const;
  // Appends `line` and a newline to a file under the run directory.
  void append_line(const std::string& relative, const std::string& line) const;

 private:
  std::string path_;
};

// The text of the <figure> whose title is `title` ("" when none), and helpers to read the markup.
std::string figure_titled(const std::string& html, const std::string& title);
std::size_t count(const std::string& text, const std::string& what);
// The value of <dd id="summary-KEY">, markup included.
std::string summary_value(const std::string& html, const std::string& key);

}  // namespace zl::metrics::testing
