// RankContext::from_environment (rank_context.h).
#include "zl/rank/rank_context.h"

#include <cstdlib>

#include "zl/base/error.h"

namespace zl::rank {
namespace {

std::string text_of(const EnvLookup& lookup, const char* name) {
  const char* value = lookup(name);
  return value != nullptr ? std::string(value) : std::string();
}

int non_negative(const EnvLookup& lookup, const char* name, int fallback, const char* expected) {
  const std::string text = text_of(lookup, name);
  if (text.empty()) return fallback;
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (*end != '\0' || value < 0 || value > 1 << 24) {
    throw UsageError(std::string(name) + "='" + text + "': expected " + expected);
  }
  return static_cast<int>(value);
}

bool any_identity(const EnvLookup& lookup) {
  for (const char* name : {"RANK", "WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "SLURM_NTASKS"}) {
    if (!text_of(lookup, name).empty()) return true;
  }
  return false;
}

}  // namespace

RankContext RankContext::from_environment(const EnvLookup& lookup) {
  RankContext c;
  c.launched = any_identity(lookup);
  if (c.launched) c.identity = rank_identity_from_env(lookup);
  c.attempt = non_negative(lookup, "ZLAUNCH_ATTEMPT", 0, "a restart count (0, 1, ...)");
  c.run_id = text_of(lookup, "ZLAUNCH_RUN_ID");
  c.store = text_of(lookup, "ZLAUNCH_STORE");
  c.store_token = text_of(lookup, "ZLAUNCH_STORE_TOKEN");
  c.host = text_of(lookup, "ZLAUNCH_HOST");
  c.config_path = text_of(lookup, "ZLAUNCH_CONFIG");
  c.rendezvous_timeout_s = non_negative(lookup, "ZLAUNCH_RDZV_TIMEOUT", 0, "whole seconds (--rdzv_timeout)");
  c.progress_bar = text_of(lookup, "ZLAUNCH_PROGRESS_BAR") == "1";
  c.local_device = non_negative(lookup, "ZLAUNCH_LOCAL_DEVICE", c.identity.local_rank, "a GPU index (0, 1, ...)");
  return c;
}

RankContext RankContext::from_environment() {
  return from_environment([](const char* name) { return static_cast<const char*>(std::getenv(name)); });
}

}  // namespace zl::rank
