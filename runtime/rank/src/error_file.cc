// install_error_handler() and record_error() (error_file.h). The signal handler may only use
// async-signal-safe calls; everything it needs (path, buffers) is prepared at install time.
#include "zl/rank/error_file.h"

#include <cxxabi.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <fstream>
#include <string>
#include <typeinfo>
#include <vector>

#include <nlohmann/json.hpp>

#include "zl/rank/rank_identity.h"

namespace zl::rank {
namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};
constexpr int kMaxFrames = 64;

char g_path[4096];
int g_rank = -1;
std::atomic<bool> g_installed{false};
std::atomic<bool> g_written{false};  // first writer wins: terminate's record beats abort's signal
std::terminate_handler g_previous_terminate = nullptr;
std::array<char, 1 << 16> g_alt_stack;
char g_trace[16384];  // backtrace_symbols_fd output, read back through a pipe in the handler

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGABRT:
      return "SIGABRT";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    default:
      return "signal";
  }
}

// --- async-signal-safe writing -------------------------------------------------------------------
void put(int fd, const char* s) {
  std::size_t n = std::strlen(s);
  while (n > 0) {
    const ssize_t w = ::write(fd, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

void put_int(int fd, long long v) {
  char buf[24];
  int i = sizeof(buf) - 1;
  buf[i] = '\0';
  const bool negative = v < 0;
  unsigned long long u = negative ? static_cast<unsigned long long>(-v) : static_cast<unsigned long long>(v);
  do {
    buf[--i] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0 && i > 1);
  if (negative) buf[--i] = '-';
  put(fd, buf + i);
}

// Writes s as the inside of a JSON string; a newline closes one array element and opens the next.
void put_escaped_lines(int fd, const char* s, std::size_t n) {
  char out[8];
  for (std::size_t i = 0; i < n; ++i) {
    const auto ch = static_cast<unsigned char>(s[i]);
    if (ch == '\n') {
      if (i + 1 < n) put(fd, "\", \"");
      continue;
    }
    if (ch == '"' || ch == '\\') {
      out[0] = '\\';
      out[1] = static_cast<char>(ch);
      out[2] = '\0';
    } else if (ch < 0x20) {
      out[0] = '?';
      out[1] = '\0';
    } else {
      out[0] = static_cast<char>(ch);
      out[1] = '\0';
    }
    put(fd, out);
  }
}

void signal_handler(int sig) {
  if (!g_written.exchange(true)) {
    const int fd = ::open(g_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
      put(fd, "{\"message\": \"fatal signal ");
      put(fd, signal_name(sig));
      put(fd, "\", \"signal\": \"");
      put(fd, signal_name(sig));
      put(fd, "\", \"exception_type\": \"\", \"pid\": ");
      put_int(fd, ::getpid());
      put(fd, ", \"rank\": ");
      put_int(fd, g_rank);
      put(fd, ", \"timestamp\": ");
      put_int(fd, static_cast<long long>(::time(nullptr)));
      put(fd, ", \"backtrace\": [\"");
      void* frames[kMaxFrames];
      const int count = ::backtrace(frames, kMaxFrames);
      int pipe_fds[2];
      if (::pipe(pipe_fds) == 0) {
        // 64 frames of symbol text fit in a pipe's buffer, so writing before reading cannot block.
        ::fcntl(pipe_fds[1], F_SETFL, O_NONBLOCK);
        ::backtrace_symbols_fd(frames, count, pipe_fds[1]);
        ::close(pipe_fds[1]);
        ssize_t got = 0;
        ssize_t r = 0;
        while ((r = ::read(pipe_fds[0], g_trace + got, sizeof(g_trace) - static_cast<std::size_t>(got))) > 0) got += r;
        ::close(pipe_fds[0]);
        put_escaped_lines(fd, g_trace, static_cast<std::size_t>(got));
      }
      put(fd, "\"]}\n");
      ::close(fd);
    }
  }
  // Restore the default action and re-raise so the exit status says which signal killed us.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(sig, &dfl, nullptr);
  ::raise(sig);
}

// --- ordinary-context writing ----------------------------------------------------------------------
std::vector<std::string> current_backtrace() {
  void* frames[kMaxFrames];
  const int count = ::backtrace(frames, kMaxFrames);
  std::vector<std::string> out;
  char** symbols = ::backtrace_symbols(frames, count);
  if (symbols == nullptr) return out;
  for (int i = 0; i < count; ++i) out.emplace_back(symbols[i]);
  std::free(symbols);
  return out;
}

// "zl::ConfigError" for typeid(e).name()'s "N2zl11ConfigErrorE"; the name as given when it is not a
// mangled type name.
std::string readable_type_name(const std::string& name) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  std::string readable = status == 0 && demangled != nullptr ? demangled : name;
  std::free(demangled);
  return readable;
}

void write_record(const std::string& message, const std::string& exception_type) {
  if (!g_installed.load() || g_written.exchange(true)) return;
  nlohmann::json record = {{"message", message},
                           {"signal", ""},
                           {"exception_type", readable_type_name(exception_type)},
                           {"pid", ::getpid()},
                           {"rank", g_rank},
                           {"timestamp", static_cast<long long>(::time(nullptr))},
                           {"backtrace", current_backtrace()}};
  std::ofstream(g_path, std::ios::trunc) << record.dump(2) << '\n';
}

[[noreturn]] void terminate_handler() {
  std::string message = "terminate called without an active exception";
  std::string type;
  if (auto current = std::current_exception()) {
    try {
      std::rethrow_exception(current);
    } catch (const std::exception& e) {
      message = std::string("uncaught exception: ") + e.what();
      type = typeid(e).name();
    } catch (...) {
      message = "uncaught exception of a non-std type";
    }
  }
  write_record(message, type);
  if (g_previous_terminate != nullptr) g_previous_terminate();
  std::abort();
}

}  // namespace

bool install_error_handler() {
  if (g_installed.load()) return true;
  const char* path = std::getenv("ZLAUNCH_ERROR_FILE");
  if (path == nullptr || *path == '\0') return false;
  try {
    g_rank = rank_identity_from_env().rank;
  } catch (const std::exception&) {
    g_rank = -1;
  }
  std::string resolved(path);
  if (const auto at = resolved.find("{rank}"); at != std::string::npos) {
    resolved.replace(at, 6, std::to_string(g_rank));
  }
  if (resolved.size() >= sizeof(g_path)) return false;
  std::memcpy(g_path, resolved.c_str(), resolved.size() + 1);

  void* warm[2];
  ::backtrace(warm, 2);  // loads libgcc now: backtrace() may allocate on its first call
  stack_t alt{};
  alt.ss_sp = g_alt_stack.data();
  alt.ss_size = g_alt_stack.size();
  ::sigaltstack(&alt, nullptr);
  struct sigaction action {};
  action.sa_handler = signal_handler;
  action.sa_flags = SA_ONSTACK | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  for (int sig : kFatalSignals) ::sigaction(sig, &action, nullptr);
  g_previous_terminate = std::set_terminate(terminate_handler);
  g_installed.store(true);
  return true;
}

void record_error(const std::string& message, const std::string& exception_type) {
  write_record(message, exception_type);
}

}  // namespace zl::rank
