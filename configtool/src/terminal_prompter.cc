// TerminalPrompter: arrow-key menus in raw termios mode. The terminal stays in raw mode (no canonical
// line editing, no echo, no signal keys) for the prompter's lifetime and is restored by its destructor;
// output post-processing stays on so "\n" still starts a new line. Ctrl-C is read as a byte and turned
// into a UsageError, so the terminal is never left raw by a signal.
#include <termios.h>
#include <unistd.h>

#include "zl/base/check.h"
#include "zl/base/error.h"
#include "zl/config/prompter.h"

namespace zl::config {
namespace {

constexpr int kCtrlC = 3;
constexpr int kCtrlD = 4;
constexpr int kEscape = 27;
constexpr int kBackspace = 127;

class TerminalPrompter final : public Prompter {
 public:
  TerminalPrompter(int fd, std::FILE* out) : fd_(fd), out_(out) {
    ZL_CHECK_SYS(::tcgetattr(fd_, &saved_));
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG);
    raw.c_iflag &= ~static_cast<tcflag_t>(IXON);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    // TCSANOW, not TCSAFLUSH: answers typed ahead must not be thrown away.
    ZL_CHECK_SYS(::tcsetattr(fd_, TCSANOW, &raw));
  }
  ~TerminalPrompter() override {
    ::tcsetattr(fd_, TCSANOW, &saved_);
    std::fputs("\x1b[?25h", out_);  // cursor visible again
    std::fflush(out_);
  }
  TerminalPrompter(const TerminalPrompter&) = delete;
  TerminalPrompter& operator=(const TerminalPrompter&) = delete;

  int select(const std::string& question, const std::vector<std::string>& options, int default_index) override {
    int current = default_index;
    std::fprintf(out_, "%s  (arrows to move, Enter to choose)\n\x1b[?25l", question.c_str());
    draw(options, current);
    for (;;) {
      const int c = key(question);
      int next = current;
      if (c == '\r' || c == '\n') break;
      if (c == kEscape) {
        const int bracket = key(question);
        const int code = bracket == '[' || bracket == 'O' ? key(question) : -1;
        if (code == 'A') next = current > 0 ? current - 1 : static_cast<int>(options.size()) - 1;
        if (code == 'B') next = (current + 1) % static_cast<int>(options.size());
      } else if (c == 'k') {
        next = current > 0 ? current - 1 : current;
      } else if (c == 'j') {
        next = current + 1 < static_cast<int>(options.size()) ? current + 1 : current;
      } else if (c >= '1' && c <= '9' && c - '1' < static_cast<int>(options.size())) {
        next = c - '1';
      }
      if (next != current) {
        current = next;
        std::fprintf(out_, "\x1b[%zuA", options.size());  // back to the first option line
        draw(options, current);
      }
    }
    std::fprintf(out_, "\x1b[?25l\x1b[%zuA", options.size());
    for (std::size_t i = 0; i < options.size(); ++i) std::fputs("\x1b[2K\n", out_);
    std::fprintf(out_, "\x1b[%zuA\x1b[2K  -> %s\n\x1b[?25h", options.size(),
                 options[static_cast<std::size_t>(current)].c_str());
    std::fflush(out_);
    return current;
  }

  std::string text(const std::string& question, const std::string& default_value) override {
    std::fprintf(out_, "%s [%s]: ", question.c_str(), default_value.c_str());
    std::fflush(out_);
    std::string line;
    for (;;) {
      const int c = key(question);
      if (c == '\r' || c == '\n') break;
      if (c == kBackspace || c == '\b') {
        if (!line.empty()) {
          line.pop_back();
          std::fputs("\b \b", out_);
        }
      } else if (c == kCtrlD && line.empty()) {
        throw UsageError("zlaunch config: input ended at \"" + question + "\"");
      } else if (c >= 32 && c < 127) {
        line.push_back(static_cast<char>(c));
        std::fputc(c, out_);
      }
      std::fflush(out_);
    }
    std::fputc('\n', out_);
    std::fflush(out_);
    return line.empty() ? default_value : line;
  }

  void say(const std::string& line) override {
    std::fprintf(out_, "%s\n", line.c_str());
    std::fflush(out_);
  }

 private:
  int key(const std::string& question) {
    const int c = read_byte(fd_);
    if (c < 0) throw UsageError("zlaunch config: input ended at \"" + question + "\"");
    if (c == kCtrlC) throw UsageError("zlaunch config: cancelled; nothing was written");
    return c;
  }

  void draw(const std::vector<std::string>& options, int current) {
    for (std::size_t i = 0; i < options.size(); ++i) {
      const bool on = static_cast<int>(i) == current;
      std::fprintf(out_, "\x1b[2K%s %s%s\n", on ? "\x1b[7m>" : " ", options[i].c_str(), on ? "\x1b[0m" : "");
    }
    std::fflush(out_);
  }

  int fd_;
  std::FILE* out_;
  termios saved_{};
};

}  // namespace

std::unique_ptr<Prompter> make_terminal_prompter(int in_fd, std::FILE* out) {
  return std::make_unique<TerminalPrompter>(in_fd, out);
}

}  // namespace zl::config
