// Console (console.h).
#include "zl/launcher/console.h"

#include "zl/launcher/rank_output.h"

namespace zl::launcher {
namespace {

// Carriage return, then erase to the end of the line (ECMA-48 EL 0).
constexpr std::string_view kClearLine = "\r\x1b[K";

}  // namespace

void Console::clear_transient() {
  if (transient_fd_ >= 0) write_fully(transient_fd_, kClearLine);
}

void Console::write_lines(int fd, std::string_view text) {
  if (text.empty()) return;
  clear_transient();
  write_fully(fd, text);
  if (transient_fd_ >= 0) write_fully(transient_fd_, transient_);
}

void Console::draw_transient(int fd, std::string_view text) {
  if (!terminal_) return;
  if (transient_fd_ >= 0 && transient_fd_ != fd) clear_transient();
  transient_fd_ = fd;
  transient_ = text;
  // From the start of the line, whatever was there: the previous drawing, or the cursor after a line.
  write_fully(fd, kClearLine);
  write_fully(fd, transient_);
}

void Console::end_transient() {
  clear_transient();
  transient_fd_ = -1;
  transient_.clear();
}

}  // namespace zl::launcher
