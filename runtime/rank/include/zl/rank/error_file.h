// The rank's side of the launcher's failure report (DESIGN.md §3): a program calls
// install_error_handler() once at start; an uncaught exception or a fatal signal (SIGSEGV, SIGABRT,
// SIGBUS, SIGFPE, SIGILL) then writes ZLAUNCH_ERROR_FILE as JSON before the process dies the way it
// would have anyway (the signal is re-raised, so the exit status is unchanged):
//
//   {"message": "...", "signal": "SIGSEGV" | "", "exception_type": "...", "pid": 123, "rank": 0,
//    "timestamp": 1700000000, "backtrace": ["frame", ...]}
//
// The signal path is async-signal-safe (preallocated buffers, open/write/backtrace_symbols_fd only;
// backtrace() is warmed up at install time) and runs on an alternate stack so stack overflows are
// caught too. Under `--launcher mpi` the path may contain "{rank}", replaced by the rank's number.
// Without ZLAUNCH_ERROR_FILE (not run under zlaunch) installing is a no-op.
#pragma once

#include <string>

namespace zl::rank {

// Idempotent; returns false when ZLAUNCH_ERROR_FILE is unset (nothing installed).
bool install_error_handler();

// Writes the error file for an error the program caught itself and is about to exit on (main()'s
// catch block): the launcher's report then shows this message instead of only an exit code.
void record_error(const std::string& message, const std::string& exception_type = "");

}  // namespace zl::rank
