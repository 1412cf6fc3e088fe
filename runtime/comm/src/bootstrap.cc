// make_communicator_from_environment: rank identity + rendezvous store -> backend -> Communicator.
#include "zl/comm/bootstrap.h"

#include <gloo/rendezvous/hash_store.h>

#include <unistd.h>

#include <cstdlib>

#include "zl/base/check.h"
#include "zl/base/error.h"
#include "zl/comm/gloo/backend.h"
#include "zl/comm/mpi/backend.h"
#include "zl/comm/nccl/backend.h"
#include "zl/comm/store_adapter.h"
#include "zl/launcher/rank_identity.h"
#include "zl/launcher/store_client.h"

namespace zl::comm {
namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

// Backends use the store only while they connect (gloo's mesh, NCCL's unique id), so the client
// lives for the duration of the construction.
template <typename Make>
std::unique_ptr<Communicator> through_store(Make make, std::chrono::milliseconds timeout) {
  launcher::StoreClient client = launcher::StoreClient::from_environment();
  const std::string prefix = launcher::attempt_prefix(std::atoi(env_or("ZLAUNCH_ATTEMPT", "0").c_str())) + "comm/";
  RendezvousStoreAdapter store(client, prefix, timeout);
  return std::make_unique<Communicator>(make(store));
}

}  // namespace

BackendKind choose_backend(const std::string& name, bool device_is_cuda, const std::string& what) {
  if (name == "gloo") return BackendKind::kGloo;
  if (name == "mpi") return BackendKind::kMpi;
  if (name == "nccl") return BackendKind::kNccl;
  if (name == "auto" || name.empty()) {
    if (std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr) return BackendKind::kMpi;
    return device_is_cuda ? BackendKind::kNccl : BackendKind::kGloo;
  }
  throw ConfigError(what + " '" + name + "': expected gloo, mpi, nccl or auto");
}

const char* to_string(BackendKind kind) {
  switch (kind) {
    case BackendKind::kGloo: return "gloo";
    case BackendKind::kMpi: return "mpi";
    case BackendKind::kNccl: return "nccl";
  }
  return "?";
}

std::unique_ptr<Communicator> make_communicator_from_environment(BackendKind kind, std::chrono::milliseconds timeout) {
  if (kind == BackendKind::kMpi) return std::make_unique<Communicator>(make_mpi_backend());
  const launcher::RankIdentity id = launcher::rank_identity_from_env();
  detail::reporting_rank() = id.rank;
  if (id.world_size == 1 && std::getenv("ZLAUNCH_STORE") == nullptr && kind == BackendKind::kGloo) {
    gloo::rendezvous::HashStore local;
    return std::make_unique<Communicator>(make_gloo_backend(GlooOptions{0, 1, "127.0.0.1", timeout}, local));
  }
  if (kind == BackendKind::kGloo) {
    // Peers connect to the address this rank listens on: loopback for one machine, otherwise this
    // host's name (ZLAUNCH_HOST, set by the launcher, when it differs from what peers resolve).
    const std::string host = env_or("ZLAUNCH_HOST", id.local_world_size == id.world_size ? "127.0.0.1" : "");
    GlooOptions options{id.rank, id.world_size, host, timeout};
    if (options.hostname.empty()) {
      char name[256] = {};
      ZL_CHECK_SYS(gethostname(name, sizeof name - 1));
      options.hostname = name;
    }
    return through_store([&](gloo::rendezvous::Store& store) { return make_gloo_backend(options, store); }, timeout);
  }
  NcclOptions options{id.rank, id.world_size, launcher::local_device_from_env(), "nccl", timeout};
  return through_store([&](gloo::rendezvous::Store& store) { return make_nccl_backend(options, store); }, timeout);
}

}  // namespace zl::comm
