// publish_metrics_address() (metrics_address.h).
#include "zl/rank/metrics_address.h"

#include <chrono>
#include <exception>

#include "zl/store/store_client.h"
#include "zl/store/store_keys.h"

namespace zl::rank {

bool publish_metrics_address(const RankContext& context, const std::string& address, std::string* problem) {
  if (!context.has_store()) return true;
  try {
    store::StoreClient::Options options;
    options.connect_timeout = std::chrono::seconds(10);
    options.io_timeout = std::chrono::seconds(10);
    store::StoreClient client(store::StoreAddress::parse(context.store), context.store_token, options);
    client.set(store::metrics_address_key(context.attempt, context.identity.rank), address);
    return true;
  } catch (const std::exception& e) {
    if (problem != nullptr) *problem = e.what();
    return false;
  }
}

}  // namespace zl::rank
