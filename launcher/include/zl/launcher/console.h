// The launcher's console when it is a terminal: the ranks' lines, and at most one transient line kept
// at the bottom (a rank's progress bar, which the rank redraws with '\r', as train's bar or tqdm do).
// A line from anyone else first clears the transient line, is written, and the transient line is drawn
// again below it, so a bar never swallows or splits another rank's line. Not a terminal (a file, a
// pipe, CI): transient lines are not drawn at all; each rank line is written once, complete.
// Single-threaded: the supervisor's loop owns it.
#pragma once

#include <string>
#include <string_view>

namespace zl::launcher {

class Console {
 public:
  // terminal: whether stdout and stderr are one terminal (isatty in production, chosen in tests).
  explicit Console(bool terminal) : terminal_(terminal) {}

  // Complete lines (each ending in '\n') to fd 1 or 2.
  void write_lines(int fd, std::string_view text);
  // Replaces the transient line with `text` (no '\n'), on fd; nothing when not a terminal.
  void draw_transient(int fd, std::string_view text);
  // The transient line is over: nothing is redrawn after the next line.
  void end_transient();
  [[nodiscard]] bool terminal() const { return terminal_; }

 private:
  void clear_transient();

  bool terminal_;
  int transient_fd_ = -1;  // -1: no transient line on screen
  std::string transient_;
};

}  // namespace zl::launcher
