// The checkpoint directory: <dir>/step_<NNNNNNNN>/ per published checkpoint, <dir>/latest (one line,
// the newest published step directory's name), and .tmp.step_<NNNNNNNN>/ while a save is in flight.
// Resolving what to load (--resume, the commands' DIR) and pruning (--keep_last) live here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace zl::checkpoint {

inline constexpr const char* kLatestName = "latest";

[[nodiscard]] std::string step_directory_name(std::int64_t step);       // step_00000010
[[nodiscard]] std::string temporary_directory_name(std::int64_t step);  // .tmp.step_00000010

// The step directory <dir>/latest names, or nullopt when `dir` has no `latest`. ConfigError naming the
// file when `latest` names a directory without a manifest.
[[nodiscard]] std::optional<std::string> latest_checkpoint(const std::string& dir);

// A step directory (holding manifest.json) as given, or the one `latest` names when `path` is a
// checkpoint directory. ConfigError naming `path` (and `what`, e.g. "--resume") otherwise.
[[nodiscard]] std::string resolve_checkpoint(const std::string& path, const std::string& what);

// --resume: "auto" -> the latest checkpoint in checkpoint_dir, or nullopt (start fresh) when there is
// none; "" -> nullopt; anything else -> resolve_checkpoint(value, "--resume").
[[nodiscard]] std::optional<std::string> resolve_resume(const std::string& resume, const std::string& checkpoint_dir);

// Removes what no complete checkpoint is: the .tmp.step_N of saves that never published (a crash, a
// full disk) and the .old.step_N of replaced steps. Every save starts with it, so one crashed save's
// leftovers never make the following saves fail for lack of space.
void remove_unpublished_saves(const std::string& dir);

// Deletes published checkpoints other than the `keep` newest steps, never the one `latest` names, and
// temporaries of saves that did not complete. keep <= 0 keeps everything. Call only after a publish.
void prune_checkpoints(const std::string& dir, int keep);

}  // namespace zl::checkpoint
