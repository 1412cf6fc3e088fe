// Step directories, `latest`, resolution and pruning (zl/checkpoint/checkpoint_directory.h).
#include "zl/checkpoint/checkpoint_directory.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "zl/base/error.h"
#include "zl/checkpoint/file_io.h"
#include "zl/checkpoint/manifest.h"

namespace zl::checkpoint {
namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The step of a published directory name step_NNNNNNNN, or -1.
std::int64_t step_of(const std::string& name) {
  if (name.rfind("step_", 0) != 0 || name.size() <= 5) return -1;
  const std::string digits = name.substr(5);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(digits);
}

}  // namespace

std::string step_directory_name(std::int64_t step) {
  char name[40];
  std::snprintf(name, sizeof(name), "step_%08lld", static_cast<long long>(step));
  return name;
}

std::string temporary_directory_name(std::int64_t step) { return ".tmp." + step_directory_name(step); }

std::optional<std::string> latest_checkpoint(const std::string& dir) {
  const fs::path latest = fs::path(dir) / kLatestName;
  std::error_code ec;
  if (!fs::exists(latest, ec)) return std::nullopt;
  const std::string name = trim(read_text_file(latest.string()));
  if (step_of(name) < 0) {
    throw ConfigError(latest.string() + ": '" + name + "' is not a step directory name (step_NNNNNNNN)");
  }
  const fs::path step_dir = fs::path(dir) / name;
  if (!fs::exists(step_dir / kManifestName, ec)) {
    throw ConfigError(latest.string() + " names " + name + ", which has no " + kManifestName + " (" +
                      step_dir.string() + " was deleted or damaged)");
  }
  return step_dir.string();
}

std::string resolve_checkpoint(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw ConfigError(what + " " + path + ": no such file or directory");
  if (fs::exists(fs::path(path) / kManifestName, ec)) return path;
  if (auto latest = latest_checkpoint(path)) return *latest;
  throw ConfigError(what + " " + path + ": neither a checkpoint (no " + kManifestName +
                    ") nor a checkpoint directory (no `" + kLatestName + "` naming a complete checkpoint)");
}

std::optional<std::string> resolve_resume(const std::string& resume, const std::string& checkpoint_dir) {
  if (resume.empty()) return std::nullopt;
  if (resume == "auto") {
    if (checkpoint_dir.empty()) throw UsageError("--resume auto needs --checkpoint_dir");
    return latest_checkpoint(checkpoint_dir);
  }
  return resolve_checkpoint(resume, "--resume");
}

namespace {

bool is_unpublished(const std::string& name) { return name.rfind(".tmp.", 0) == 0 || name.rfind(".old.", 0) == 0; }

}  // namespace

void remove_unpublished_saves(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (is_unpublished(entry.path().filename().string())) fs::remove_all(entry.path(), ec);
  }
}

void prune_checkpoints(const std::string& dir, int keep) {
  std::error_code ec;
  remove_unpublished_saves(dir);
  std::string protected_name;
  if (auto latest = latest_checkpoint(dir)) protected_name = fs::path(*latest).filename().string();
  std::vector<std::pair<std::int64_t, fs::path>> published;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::int64_t step = step_of(name);
    if (step >= 0 && fs::exists(entry.path() / kManifestName, ec)) published.emplace_back(step, entry.path());
  }
  if (keep <= 0) return;
  std::sort(published.begin(), published.end());
  const std::size_t excess = published.size() > static_cast<std::size_t>(keep) ? published.size() - keep : 0;
  for (std::size_t i = 0; i < excess; ++i) {
    if (published[i].second.filename() == protected_name) continue;
    fs::remove_all(published[i].second, ec);
    if (ec) throw SystemError("cannot delete old checkpoint " + published[i].second.string(), ec.value());
  }
}

}  // namespace zl::checkpoint
