// RendezvousStoreAdapter: the launcher's rendezvous store seen through gloo's Store interface, so the
// gloo backend connects its mesh (and the NCCL backend exchanges its unique id) through the store of
// `zlaunch run` (DESIGN.md §3). Keys are placed under a prefix (e.g. "attempt/N/comm/") so a restart
// never reads a previous attempt's addresses. Not thread-safe beyond what StoreClient guarantees.
#pragma once

#include <gloo/rendezvous/store.h>

#include <chrono>
#include <string>
#include <vector>

#include "zl/store/store_client.h"

namespace zl::comm {

class RendezvousStoreAdapter final : public gloo::rendezvous::Store {
 public:
  // `client` must outlive the adapter. `timeout` bounds get() and every wait(): a backend's own, shorter
  // timeout (gloo waits for each peer's address with its context's) does not cut short the rendezvous.
  RendezvousStoreAdapter(store::StoreClient& client, std::string prefix, std::chrono::milliseconds timeout)
      : store_(client, std::move(prefix)), timeout_(timeout) {}

  void set(const std::string& key, const std::vector<char>& data) override;
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override;
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override;

 private:
  store::PrefixStore store_;
  std::chrono::milliseconds timeout_;
};

}  // namespace zl::comm
