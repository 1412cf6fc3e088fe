// gloo::rendezvous::Store over the launcher's StoreClient (see store_adapter.h).
#include "zl/comm/store_adapter.h"

#include <algorithm>

namespace zl::comm {

void RendezvousStoreAdapter::set(const std::string& key, const std::vector<char>& data) {
  store_.set(key, std::string(data.begin(), data.end()));
}

std::vector<char> RendezvousStoreAdapter::get(const std::string& key) {
  const std::string value = store_.get(key, timeout_);
  return {value.begin(), value.end()};
}

void RendezvousStoreAdapter::wait(const std::vector<std::string>& keys) { store_.wait(keys, timeout_); }

void RendezvousStoreAdapter::wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) {
  store_.wait(keys, std::max(timeout, timeout_));
}

}  // namespace zl::comm
