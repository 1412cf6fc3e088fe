// Routing of a rank's output (DESIGN.md §3 "Logs"): raw bytes into its per-rank file
// (<run_dir>/attempt_<N>/rank_<K>.{out,err}, always written), complete lines prefixed "[node:rank] " to
// the launcher's matching console stream when the rank is shown (--tee, --ranks_filter), and the
// last lines kept for the failure report. A partial last line is completed by finish().
// A line redrawn in place with '\r' (a progress bar) counts as what follows its last '\r': on a
// terminal Console the unfinished line is drawn as the console's transient line, so the bar moves in
// place under the other ranks' lines; elsewhere only the finished line appears.
//
// ExternalOutputDemux does the same for the output of an external launcher, whose lines name their
// rank: `mpirun --tag-output` ("[jobid,rank]<stdout>:" or "<stderr>:" on either pipe) or
// `srun --label` ("R: ", right-aligned, on the pipe of the task's stream). Lines without a rank are the
// launcher's own ("[mpirun] " / "[srun] " on the console), kept for the failure report.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "zl/launcher/console.h"
#include "zl/store/socket_io.h"

namespace zl::launcher {

class RankOutput {
 public:
  // console_fd: 1 or 2, or -1 when this rank is not shown on the console. file_path "" = no file.
  // console: the shared Console that lines go through; nullptr = write to console_fd directly.
  RankOutput(std::string prefix, int console_fd, const std::string& file_path, std::size_t tail_lines,
             Console* console = nullptr);
  void append(std::string_view data);
  void finish();
  [[nodiscard]] const std::deque<std::string>& tail() const { return tail_; }
  [[nodiscard]] const std::string& file_path() const { return file_path_; }
  // When append() last got bytes (the epoch before any): a rank's activity under mpirun/srun.
  [[nodiscard]] std::chrono::steady_clock::time_point last_output() const { return last_output_; }

 private:
  void emit_line(std::string_view line, std::string& console);
  void write_console(const std::string& lines);

  std::string prefix_;
  int console_fd_;
  Console* console_;
  bool transient_shown_ = false;  // this output's unfinished line is the console's transient line
  std::string file_path_;
  store::net::Fd file_;
  std::size_t tail_lines_;
  std::string partial_;
  std::deque<std::string> tail_;
  std::chrono::steady_clock::time_point last_output_{};
};

// Writes all of data to fd, retrying short writes; errors (a closed console) are ignored.
void write_fully(int fd, std::string_view data);

class ExternalOutputDemux {
 public:
  enum class Format { kMpirunTags, kSrunLabels };
  // outputs(rank, is_stderr) gives the RankOutput of a rank; created on first use.
  using Factory = std::function<std::unique_ptr<RankOutput>(int rank, bool is_stderr)>;
  ExternalOutputDemux(Format format, Factory factory, int console_fd_for_untagged);
  // Bytes read from the launcher's stdout (is_stderr false) or stderr pipe; each pipe keeps its own
  // partial line.
  void append(std::string_view data, bool is_stderr);
  void finish();
  [[nodiscard]] const RankOutput* output(int rank, bool is_stderr) const;
  [[nodiscard]] const std::deque<std::string>& untagged_tail() const { return untagged_tail_; }

 private:
  void route_line(std::string_view line, bool from_stderr);
  // The rank a line names and the text after its tag; false for the launcher's own lines.
  bool split_tag(std::string_view line, bool from_stderr, int& rank, bool& is_stderr, std::string_view& text) const;

  Format format_;
  Factory factory_;
  int console_fd_;
  std::string partial_[2];  // [is_stderr]
  std::map<std::pair<int, bool>, std::unique_ptr<RankOutput>> outputs_;
  std::deque<std::string> untagged_tail_;
};

}  // namespace zl::launcher
