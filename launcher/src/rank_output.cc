// RankOutput and ExternalOutputDemux (rank_output.h).
#include "zl/launcher/rank_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <functional>

#include "zl/base/error.h"

namespace zl::launcher {

void write_fully(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

namespace {

// What a terminal shows of a line redrawn with '\r': the text after the last '\r' that is followed by
// anything (a bar that ends its line with "\r\n" shows its last drawing).
std::string_view visible_part(std::string_view line) {
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const auto cr = line.rfind('\r');
  return cr == std::string_view::npos ? line : line.substr(cr + 1);
}

}  // namespace

RankOutput::RankOutput(std::string prefix, int console_fd, const std::string& file_path, std::size_t tail_lines,
                       Console* console)
    : prefix_(std::move(prefix)),
      console_fd_(console_fd),
      console_(console),
      file_path_(file_path),
      tail_lines_(tail_lines) {
  if (!file_path.empty()) {
    file_ = store::net::Fd(::open(file_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!file_.valid()) throw SystemError("cannot create the log file " + file_path, errno);
  }
}

void RankOutput::emit_line(std::string_view line, std::string& console) {
  line = visible_part(line);
  if (console_fd_ >= 0) {
    console += prefix_;
    console += line;
    console += '\n';
  }
  if (tail_lines_ > 0) {
    tail_.emplace_back(line);
    if (tail_.size() > tail_lines_) tail_.pop_front();
  }
}

void RankOutput::append(std::string_view data) {
  if (!data.empty()) last_output_ = std::chrono::steady_clock::now();
  if (file_.valid()) write_fully(file_.get(), data);
  if (console_fd_ < 0 && tail_lines_ == 0) return;
  std::string console;
  std::size_t start = 0;
  while (true) {
    const auto nl = data.find('\n', start);
    if (nl == std::string_view::npos) break;
    if (!partial_.empty()) {
      partial_.append(data.substr(start, nl - start));
      emit_line(partial_, console);
      partial_.clear();
    } else {
      emit_line(data.substr(start, nl - start), console);
    }
    start = nl + 1;
  }
  partial_.append(data.substr(start));
  // A redrawn line keeps only its last drawing, so a bar redrawn for hours does not grow without end.
  if (const auto cr = partial_.rfind('\r'); cr != std::string::npos && cr > 0 && cr + 1 < partial_.size()) {
    partial_.erase(0, cr);
  }
  if (partial_.size() > (1u << 20)) {  // a 1 MiB line without newline: show it rather than grow
    emit_line(partial_, console);
    partial_.clear();
  }
  write_console(console);
  if (console_ != nullptr && console_fd_ >= 0 && partial_.find('\r') != std::string::npos) {
    console_->draw_transient(console_fd_, prefix_ + std::string(visible_part(partial_)));
    transient_shown_ = true;
  }
}

// Complete lines to the console; they end this output's transient line first (it is one of them).
void RankOutput::write_console(const std::string& lines) {
  if (lines.empty()) return;
  if (console_ == nullptr) {
    write_fully(console_fd_, lines);
    return;
  }
  if (transient_shown_) console_->end_transient();
  transient_shown_ = false;
  console_->write_lines(console_fd_, lines);
}

void RankOutput::finish() {
  if (partial_.empty()) return;
  std::string console;
  emit_line(partial_, console);
  partial_.clear();
  write_console(console);
}

ExternalOutputDemux::ExternalOutputDemux(Format format, Factory factory, int console_fd_for_untagged)
    : format_(format), factory_(std::move(factory)), console_fd_(console_fd_for_untagged) {}

void ExternalOutputDemux::append(std::string_view data, bool is_stderr) {
  std::string& partial = partial_[is_stderr ? 1 : 0];
  std::size_t start = 0;
  while (true) {
    const auto nl = data.find('\n', start);
    if (nl == std::string_view::npos) break;
    partial.append(data.substr(start, nl - start));
    route_line(partial, is_stderr);
    partial.clear();
    start = nl + 1;
  }
  partial.append(data.substr(start));
}

void ExternalOutputDemux::finish() {
  for (const bool is_stderr : {false, true}) {
    std::string& partial = partial_[is_stderr ? 1 : 0];
    if (!partial.empty()) route_line(partial, is_stderr);
    partial.clear();
  }
  for (auto& [key, output] : outputs_) output->finish();
}

const RankOutput* ExternalOutputDemux::output(int rank, bool is_stderr) const {
  const auto it = outputs_.find({rank, is_stderr});
  return it == outputs_.end() ? nullptr : it->second.get();
}

namespace {

// A whole decimal rank (digits only, below 2^24), or -1.
int rank_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 8) return -1;
  int rank = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return -1;
    rank = rank * 10 + (c - '0');
  }
  return rank;
}

}  // namespace

bool ExternalOutputDemux::split_tag(std::string_view line, bool from_stderr, int& rank, bool& is_stderr,
                                    std::string_view& text) const {
  if (format_ == Format::kMpirunTags) {
    // "[1,3]<stdout>:text"
    if (line.size() <= 5 || line[0] != '[') return false;
    const auto comma = line.find(',');
    const auto close = line.find(']');
    if (comma == std::string_view::npos || close == std::string_view::npos || comma > close) return false;
    rank = rank_number(line.substr(comma + 1, close - comma - 1));
    const auto rest = line.substr(close + 1);
    const bool out = rest.rfind("<stdout>:", 0) == 0;
    is_stderr = rest.rfind("<stderr>:", 0) == 0;
    if (rank < 0 || !(out || is_stderr)) return false;
    text = rest.substr(9);
    return true;
  }
  // "3: text", the rank right-aligned with spaces to the width of the largest.
  const auto digits = line.find_first_not_of(' ');
  const auto colon = line.find(": ");
  if (digits == std::string_view::npos || colon == std::string_view::npos || colon <= digits) return false;
  rank = rank_number(line.substr(digits, colon - digits));
  if (rank < 0) return false;
  is_stderr = from_stderr;
  text = line.substr(colon + 2);
  return true;
}

void ExternalOutputDemux::route_line(std::string_view line, bool from_stderr) {
  int rank = -1;
  bool is_stderr = false;
  std::string_view text;
  if (split_tag(line, from_stderr, rank, is_stderr, text)) {
    auto& slot = outputs_[{rank, is_stderr}];
    if (!slot) slot = factory_(rank, is_stderr);
    std::string with_newline(text);
    with_newline += '\n';
    slot->append(with_newline);
    return;
  }
  untagged_tail_.emplace_back(line);
  if (untagged_tail_.size() > 40) untagged_tail_.pop_front();
  std::string shown = format_ == Format::kMpirunTags ? "[mpirun] " : "[srun] ";
  shown += line;
  shown += '\n';
  write_fully(console_fd_, shown);
}

}  // namespace zl::launcher
