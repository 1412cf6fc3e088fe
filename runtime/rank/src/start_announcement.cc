// announce_start() (start_announcement.h).
#include "zl/rank/start_announcement.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "zl/store/store_client.h"
#include "zl/store/store_keys.h"

namespace zl::rank {

void announce_start(const RankContext& context, store::StoreClient& store) {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  const nlohmann::json record = {{"host", host}, {"pid", static_cast<long>(::getpid())}};
  store.set(store::started_key(context.attempt, context.identity.rank), record.dump());
}

}  // namespace zl::rank
