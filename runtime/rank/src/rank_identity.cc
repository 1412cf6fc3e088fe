// rank_identity_from_env(): torch-style, OpenMPI and Slurm rank variables (rank_identity.h).
#include "zl/rank/rank_identity.h"

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "zl/base/error.h"

namespace zl::rank {
namespace {

std::optional<int> read_int(const EnvLookup& lookup, const char* name, int min_value) {
  const char* text = lookup(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < min_value || value > 1 << 24) {
    throw UsageError(std::string("environment variable ") + name + "='" + text +
                     "' is not an integer >= " + std::to_string(min_value));
  }
  return static_cast<int>(value);
}

// Slurm's SLURM_TASKS_PER_NODE: "2(x3),1" = nodes 0-2 run 2 tasks, node 3 runs 1.
std::optional<int> slurm_tasks_on_node(const char* text, int node) {
  if (text == nullptr) return std::nullopt;
  std::string_view rest(text);
  int first_node = 0;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string item(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    char* end = nullptr;
    const long tasks = std::strtol(item.c_str(), &end, 10);
    long repeat = 1;
    if (end[0] == '(' && end[1] == 'x') {
      repeat = std::strtol(end + 2, &end, 10);
      if (*end != ')') return std::nullopt;
      ++end;
    }
    if (*end != '\0' || tasks <= 0 || repeat <= 0) return std::nullopt;
    if (node < first_node + repeat) return static_cast<int>(tasks);
    first_node += static_cast<int>(repeat);
  }
  return std::nullopt;
}

void check_ranges(const RankIdentity& id) {
  if (id.rank >= id.world_size || id.local_rank >= id.local_world_size || id.local_world_size > id.world_size) {
    throw UsageError("inconsistent rank identity from " + id.source + " variables: rank " + std::to_string(id.rank) +
                     " of " + std::to_string(id.world_size) + ", local rank " + std::to_string(id.local_rank) + " of " +
                     std::to_string(id.local_world_size));
  }
}

}  // namespace

RankIdentity rank_identity_from_env(const EnvLookup& lookup) {
  struct Family {
    const char* source;
    const char* rank;
    const char* size;
    const char* local_rank;
    const char* local_size;
    const char* node;
  };
  static constexpr Family kFamilies[] = {
      {"torch", "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "NODE_RANK"},
      // OMPI_COMM_WORLD_NODE_RANK is a rank among the processes of a node, not the node's index:
      // the node comes from rank / local size (OpenMPI's default by-slot mapping).
      {"openmpi", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
       "OMPI_COMM_WORLD_LOCAL_SIZE", nullptr},
      {"slurm", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE", "SLURM_NODEID"},
  };
  for (const auto& family : kFamilies) {
    const auto rank = read_int(lookup, family.rank, 0);
    const auto size = read_int(lookup, family.size, 1);
    if (!rank || !size) continue;
    RankIdentity id;
    id.source = family.source;
    id.rank = *rank;
    id.world_size = *size;
    id.local_rank = read_int(lookup, family.local_rank, 0).value_or(id.rank);
    id.node_rank = family.node != nullptr ? read_int(lookup, family.node, 0).value_or(0) : 0;
    std::optional<int> local_size = read_int(lookup, family.local_size, 1);
    if (!local_size && id.source == "slurm") {
      local_size = slurm_tasks_on_node(lookup("SLURM_TASKS_PER_NODE"), id.node_rank);
    }
    id.local_world_size = local_size.value_or(id.world_size);
    if (family.node == nullptr) id.node_rank = id.rank / id.local_world_size;
    check_ranges(id);
    return id;
  }
  throw UsageError(
      "no rank identity in the environment: expected RANK/WORLD_SIZE (zlaunch run, torchrun), "
      "OMPI_COMM_WORLD_RANK/OMPI_COMM_WORLD_SIZE (mpirun) or SLURM_PROCID/SLURM_NTASKS (srun)");
}

RankIdentity rank_identity_from_env() {
  return rank_identity_from_env([](const char* name) { return static_cast<const char*>(std::getenv(name)); });
}

}  // namespace zl::rank
