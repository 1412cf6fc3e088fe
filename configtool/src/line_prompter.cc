// LinePrompter: numbered choices and line answers for non-terminal input (pipes, scripts).
#include <unistd.h>

#include <cerrno>

#include "zl/base/error.h"
#include "zl/config/prompter.h"

namespace zl::config {

int read_byte(int fd) {
  unsigned char c = 0;
  for (;;) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n == 1) return c;
    if (n == 0) return -1;
    if (errno != EINTR) throw SystemError("cannot read the wizard's answers", errno);
  }
}

namespace {

class LinePrompter final : public Prompter {
 public:
  LinePrompter(int fd, std::FILE* out) : fd_(fd), out_(out) {}

  int select(const std::string& question, const std::vector<std::string>& options, int default_index) override {
    std::fprintf(out_, "%s\n", question.c_str());
    for (std::size_t i = 0; i < options.size(); ++i) std::fprintf(out_, "  %zu) %s\n", i + 1, options[i].c_str());
    for (;;) {
      std::fprintf(out_, "Choice [%d]: ", default_index + 1);
      std::fflush(out_);
      const std::string answer = read_line(question);
      if (answer.empty()) return default_index;
      for (std::size_t i = 0; i < options.size(); ++i) {
        if (answer == std::to_string(i + 1) || answer == options[i]) return static_cast<int>(i);
      }
      std::fprintf(out_, "'%s' is not a choice: type a number from 1 to %zu\n", answer.c_str(), options.size());
    }
  }

  std::string text(const std::string& question, const std::string& default_value) override {
    std::fprintf(out_, "%s [%s]: ", question.c_str(), default_value.c_str());
    std::fflush(out_);
    const std::string answer = read_line(question);
    return answer.empty() ? default_value : answer;
  }

  void say(const std::string& line) override {
    std::fprintf(out_, "%s\n", line.c_str());
    std::fflush(out_);
  }

 private:
  std::string read_line(const std::string& question) {
    std::string line;
    for (;;) {
      const int c = read_byte(fd_);
      if (c < 0) {
        if (!line.empty()) break;
        throw UsageError("zlaunch config: input ended before the wizard finished (at \"" + question +
                         "\"); answer every question, or use zlaunch config --template NAME");
      }
      if (c == '\n') break;
      if (c != '\r') line.push_back(static_cast<char>(c));
    }
    const auto first = line.find_first_not_of(" \t");
    const auto last = line.find_last_not_of(" \t");
    return first == std::string::npos ? "" : line.substr(first, last - first + 1);
  }

  int fd_;
  std::FILE* out_;
};

}  // namespace

std::unique_ptr<Prompter> make_line_prompter(int in_fd, std::FILE* out) {
  return std::make_unique<LinePrompter>(in_fd, out);
}

std::unique_ptr<Prompter> make_prompter(int in_fd, std::FILE* out) {
  if (::isatty(in_fd) != 0) return make_terminal_prompter(in_fd, out);
  return make_line_prompter(in_fd, out);
}

}  // namespace zl::config
