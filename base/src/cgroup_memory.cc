// Memory headroom under the process's control groups (cgroup_memory.h).
#include "zl/base/cgroup_memory.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace zl {
namespace {

namespace fs = std::filesystem;

// A limit at or above this is no limit (v1 writes 2^63 rounded down to a page for "unlimited").
constexpr std::uint64_t kUnlimited = std::uint64_t{1} << 62;

std::optional<std::uint64_t> read_number(const fs::path& file) {
  std::ifstream in(file);
  std::string text;
  if (!(in >> text) || text == "max") return std::nullopt;
  try {
    std::size_t used = 0;
    const unsigned long long value = std::stoull(text, &used);
    if (used != text.size()) return std::nullopt;
    return static_cast<std::uint64_t>(value);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// `key` of memory.stat ("inactive_file" in v2, "total_inactive_file" in v1), 0 when absent.
std::uint64_t stat_value(const fs::path& group, const std::string& key) {
  std::ifstream in(group / "memory.stat");
  std::string name;
  std::uint64_t value = 0;
  while (in >> name >> value) {
    if (name == key) return value;
  }
  return 0;
}

// The headroom of one group: limit - (usage - reclaimable cache), nullopt without a limit.
std::optional<std::uint64_t> group_headroom(const fs::path& group, bool v2) {
  const auto limit = read_number(group / (v2 ? "memory.max" : "memory.limit_in_bytes"));
  if (!limit || *limit >= kUnlimited) return std::nullopt;
  const auto usage = read_number(group / (v2 ? "memory.current" : "memory.usage_in_bytes"));
  if (!usage) return std::nullopt;
  const std::uint64_t cache = stat_value(group, v2 ? "inactive_file" : "total_inactive_file");
  const std::uint64_t used = *usage > cache ? *usage - cache : 0;
  return *limit > used ? *limit - used : 0;
}

// The group's directory under the mount and every ancestor up to the mount, tightest first.
std::optional<std::uint64_t> smallest_headroom(const fs::path& mount, const std::string& group_path, bool v2) {
  fs::path group = mount / fs::path(group_path).relative_path();
  std::error_code ec;
  if (!fs::is_directory(group, ec)) group = mount;  // a cgroup namespace: our group is the mount's root
  std::optional<std::uint64_t> smallest;
  const fs::path root = mount.lexically_normal();
  for (fs::path at = group.lexically_normal();; at = at.parent_path()) {
    if (const auto headroom = group_headroom(at, v2)) smallest = std::min(smallest.value_or(*headroom), *headroom);
    if (at == root || !at.has_relative_path() || at.parent_path() == at) break;
  }
  return smallest;
}

}  // namespace

std::optional<std::uint64_t> cgroup_memory_headroom_bytes(const std::string& proc_self_cgroup,
                                                          const std::string& cgroup_v2_mount,
                                                          const std::string& cgroup_v1_memory_mount) {
  std::optional<std::uint64_t> smallest;
  auto take = [&smallest](std::optional<std::uint64_t> headroom) {
    if (headroom) smallest = std::min(smallest.value_or(*headroom), *headroom);
  };
  std::istringstream lines(proc_self_cgroup);
  for (std::string line; std::getline(lines, line);) {
    // "hierarchy-id:controllers:path"; v2 is "0::path".
    const auto first = line.find(':');
    const auto second = first == std::string::npos ? std::string::npos : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (line.compare(0, first, "0") == 0 && controllers.empty()) {
      take(smallest_headroom(cgroup_v2_mount, path, true));
    } else {
      std::istringstream names(controllers);
      for (std::string name; std::getline(names, name, ',');) {
        if (name == "memory") take(smallest_headroom(cgroup_v1_memory_mount, path, false));
      }
    }
  }
  return smallest;
}

std::optional<std::uint64_t> this_process_cgroup_memory_headroom_bytes() {
  std::ifstream in("/proc/self/cgroup");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return cgroup_memory_headroom_bytes(text, "/sys/fs/cgroup", "/sys/fs/cgroup/memory");
}

}  // namespace zl
