// The key layout of a run (store_keys.h).
#include "zl/store/store_keys.h"

namespace zl::store {

std::string attempt_prefix(int attempt) { return "attempt/" + std::to_string(attempt) + "/"; }

std::string progress_key(int attempt, int rank) { return attempt_prefix(attempt) + "progress/" + std::to_string(rank); }

std::string started_key(int attempt, int rank) { return attempt_prefix(attempt) + "started/" + std::to_string(rank); }

std::string metrics_address_key(int attempt, int rank) {
  return attempt_prefix(attempt) + "metrics/" + std::to_string(rank);
}

}  // namespace zl::store
