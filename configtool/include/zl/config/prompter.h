// Prompter: how the wizard asks a question. Two implementations share this interface:
// TerminalPrompter (raw termios on a TTY: arrow keys move a highlighted choice, Enter takes it, digits
// jump; text answers are edited in place) and LinePrompter (plain numbered lists and line answers, for
// pipes and scripts). Both read the file descriptor byte by byte and never buffer ahead, and both throw
// zl::UsageError when input ends or the user presses Ctrl-C.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace zl::config {

class Prompter {
 public:
  virtual ~Prompter() = default;
  // Index of the chosen option; `default_index` is taken on a bare Enter.
  virtual int select(const std::string& question, const std::vector<std::string>& options, int default_index) = 0;
  // A line of text; `default_value` on a bare Enter.
  virtual std::string text(const std::string& question, const std::string& default_value) = 0;
  // A line of information between questions.
  virtual void say(const std::string& line) = 0;
};

// TerminalPrompter when `in_fd` is a terminal, LinePrompter otherwise. The terminal's settings are
// restored when the prompter is destroyed (also on exceptions).
std::unique_ptr<Prompter> make_prompter(int in_fd, std::FILE* out);

std::unique_ptr<Prompter> make_line_prompter(int in_fd, std::FILE* out);      // line_prompter.cc
std::unique_ptr<Prompter> make_terminal_prompter(int in_fd, std::FILE* out);  // terminal_prompter.cc

// One byte from `fd` (retrying on EINTR); -1 at end of input.
int read_byte(int fd);

}  // namespace zl::config
