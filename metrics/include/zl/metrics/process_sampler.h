// sample_process(): what the kernel reports about one process (CPU time, resident memory, threads)
// from /proc/<pid>/stat and /proc/<pid>/status, for the launcher's per-rank series (LauncherMetrics).
//
// Scope: the process itself, not its descendants. A rank is one process whether zlaunch starts a
// binary, `python -m ...` or a script through its interpreter; summing a process tree would charge
// a rank for helpers it merely spawned (a data loader's workers show up as their own processes in
// any process tool) and need a walk of all of /proc per sample. A rank started as `sh -c "..."`
// reports the shell, which is the process zlaunch supervises.
//
// Thread safety: none needed, every call reads the files anew; the cost is two small reads.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace zl::metrics {

struct ProcessSample {
  double cpu_seconds = 0.0;          // user + system time since the process started (all its threads)
  std::uint64_t resident_bytes = 0;  // VmRSS: anonymous, file-backed and shared memory in RAM
  int threads = 0;                   // threads of the process, the main thread included
};

// The sample of pid, or nullopt when pid names no live process: it never existed, it exited (also
// while it is a zombie not yet reaped), or /proc cannot be read for it. Not an error: a rank may
// exit between the caller's check and the read. Never throws.
//
// A pid is only a stable name while its parent has not reaped it; the launcher samples its own
// unreaped children, so the numbers never belong to a recycled pid.
std::optional<ProcessSample> sample_process(pid_t pid);

}  // namespace zl::metrics
