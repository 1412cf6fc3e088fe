// RankOutput and MpiOutputDemux (rank_output.h).
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

MpiOutputDemux::MpiOutputDemux(Factory factory, int console_fd_for_untagged)
    : factory_(std::move(factory)), console_fd_(console_fd_for_untagged) {}

void MpiOutputDemux::append(std::string_view data) {
  std::size_t start = 0;
  while (true) {
    const auto nl = data.find('\n', start);
    if (nl == std::string_view::npos) break;
    partial_.append(data.substr(start, nl - start));
    route_line(partial_);
    partial_.clear();
    start = nl + 1;
  }
  partial_.append(data.substr(start));
}

void MpiOutputDemux::finish() {
  if (!partial_.empty()) route_line(partial_);
  partial_.clear();
  for (auto& [key, output] : outputs_) output->finish();
}

const RankOutput* MpiOutputDemux::output(int rank, bool is_stderr) const {
  const auto it = outputs_.find({rank, is_stderr});
  return it == outputs_.end() ? nullptr : it->second.get();
}

void MpiOutputDemux::route_line(std::string_view line) {
  // "[1,3]<stdout>:text"
  if (line.size() > 5 && line[0] == '[') {
    const auto comma = line.find(',');
    const auto close = line.find(']');
    if (comma != std::string_view::npos && close != std::string_view::npos && comma < close) {
      const std::string rank_text(line.substr(comma + 1, close - comma - 1));
      char* end = nullptr;
      const long rank = std::strtol(rank_text.c_str(), &end, 10);
      const auto rest = line.substr(close + 1);
      const bool out = rest.rfind("<stdout>:", 0) == 0;
      const bool err = rest.rfind("<stderr>:", 0) == 0;
      if (!rank_text.empty() && *end == '\0' && rank >= 0 && (out || err)) {
        auto& slot = outputs_[{static_cast<int>(rank), err}];
        if (!slot) slot = factory_(static_cast<int>(rank), err);
        std::string text(rest.substr(9));
        text += '\n';
        slot->append(text);
        return;
      }
    }
  }
  untagged_tail_.emplace_back(line);
  if (untagged_tail_.size() > 40) untagged_tail_.pop_front();
  std::string text = "[mpirun] ";
  text += line;
  text += '\n';
  write_fully(console_fd_, text);
}

}  // namespace zl::launcher
