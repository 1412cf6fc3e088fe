// Typed errors of zlaunch and the exit codes they map to.
//
// Contract: library code throws one of these (never calls exit()); only main() catches them and turns
// them into a message and an exit code through exit_code_for(). The codes are stable and documented
// in the README: 0 ok, 1 failure, 2 usage/config error, 3 rendezvous/infrastructure error.
#pragma once

#include <stdexcept>
#include <string>

namespace zl {

enum class ExitCode : int {
  kOk = 0,
  kFailure = 1,
  kUsage = 2,
  kInfrastructure = 3,
};

// Base of every zlaunch error. what() is the complete, user-facing message: it names the file, key or
// flag at fault and what would fix it.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  [[nodiscard]] virtual ExitCode exit_code() const { return ExitCode::kFailure; }
};

// Bad command line: unknown subcommand or flag, a value out of range. Exit 2.
class UsageError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] ExitCode exit_code() const override { return ExitCode::kUsage; }
};

// A configuration file or value that cannot be used (syntax, unknown key, contradiction). Exit 2.
class ConfigError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] ExitCode exit_code() const override { return ExitCode::kUsage; }
};

// Rendezvous, network, store or process-management failure outside the user's program. Exit 3.
class InfrastructureError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] ExitCode exit_code() const override { return ExitCode::kInfrastructure; }
};

// A system call failed; carries errno. Exit 1 unless wrapped into a more specific error.
class SystemError : public Error {
 public:
  SystemError(const std::string& what, int err);
  [[nodiscard]] int error_number() const { return errno_; }

 private:
  int errno_;
};

// A requested capability that this build or machine does not have (a backend not compiled in, no GPU
// for device: cuda). Exit 2: the user asked for something that cannot be run here.
class UnavailableError : public Error {
 public:
  using Error::Error;
  [[nodiscard]] ExitCode exit_code() const override { return ExitCode::kUsage; }
};

// The exit code for any exception reaching main(): zl::Error subclasses map by type, anything else
// (std::bad_alloc, a std::exception from a dependency) is a failure.
int exit_code_for(const std::exception& e);

}  // namespace zl
