// The memory this process may still use under its control group's limit (a container's, a Slurm job's,
// a systemd slice's), which can be far below what /proc/meminfo calls available. cgroup v2 (memory.max
// and memory.current of the process's group and every group above it) and v1 (memory.limit_in_bytes and
// memory.usage_in_bytes); reclaimable page cache (inactive_file in memory.stat) counts as free, as the
// kernel would reclaim it before killing anyone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace zl {

// The smallest headroom (limit - usage + inactive file cache) over the process's memory cgroup and its
// ancestors; nullopt when no limit applies (no cgroup, "max", or v1's "unlimited" 2^63-ish value).
// `proc_self_cgroup`: the text of /proc/self/cgroup; `cgroup_mount`: where the hierarchy is mounted
// (v2: the unified mount; v1: its memory controller's mount). A group path not found under the mount
// (a container that sees its own group as the root) is looked for at the mount itself.
std::optional<std::uint64_t> cgroup_memory_headroom_bytes(const std::string& proc_self_cgroup,
                                                          const std::string& cgroup_v2_mount,
                                                          const std::string& cgroup_v1_memory_mount);

// The same for this process, from /proc/self/cgroup, /sys/fs/cgroup (v2) and /sys/fs/cgroup/memory (v1).
std::optional<std::uint64_t> this_process_cgroup_memory_headroom_bytes();

}  // namespace zl
