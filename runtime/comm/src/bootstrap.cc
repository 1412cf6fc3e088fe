// make_communicator: rank context + rendezvous store -> backend -> Communicator (bootstrap.h).
#include "zl/comm/bootstrap.h"

#include <gloo/rendezvous/hash_store.h>

#include <unistd.h>

#include <algorithm>

#include "zl/base/check.h"
#include "zl/base/error.h"
#include "zl/base/host_address.h"
#include "zl/comm/gloo/backend.h"
#include "zl/comm/mpi/backend.h"
#include "zl/comm/nccl/backend.h"
#include "zl/comm/shm/backend.h"
#include "zl/comm/store_adapter.h"
#include "zl/rank/start_announcement.h"
#include "zl/store/store_client.h"
#include "zl/store/store_keys.h"

namespace zl::comm {
namespace {

// Backends use the store only while they connect (gloo's mesh, NCCL's unique id), so the client
// lives for the duration of the construction. The rank announces its start first (start_announcement.h)
// and waits for late peers as long as its launcher does (ZLAUNCH_RDZV_TIMEOUT), so that a peer that
// never starts is named by the launcher, not reported as this rank's rendezvous timeout.
template <typename Make>
std::unique_ptr<Communicator> through_store(const rank::RankContext& context, Make make,
                                            std::chrono::milliseconds timeout) {
  if (!context.has_store()) {
    throw UsageError("a world of " + std::to_string(context.identity.world_size) +
                     " ranks needs the rendezvous store (ZLAUNCH_STORE): start this program with `zlaunch run`");
  }
  store::StoreClient client(store::StoreAddress::parse(context.store), context.store_token);
  rank::announce_start(context, client);
  const auto wait_for_peers = context.rendezvous_timeout_s > 0
                                  ? std::max(timeout, std::chrono::milliseconds(1000LL * context.rendezvous_timeout_s))
                                  : timeout;
  RendezvousStoreAdapter adapter(client, store::attempt_prefix(context.attempt) + "comm/", wait_for_peers);
  return std::make_unique<Communicator>(make(adapter));
}

}  // namespace

BackendKind automatic_backend(const rank::RankContext& context, bool device_is_cuda, bool under_mpirun) {
  const rank::RankIdentity& id = context.identity;
  if (device_is_cuda) return under_mpirun && !context.has_store() ? BackendKind::kMpi : BackendKind::kNccl;
  const bool one_machine = id.local_world_size == id.world_size;
  if (one_machine && (context.has_store() || id.world_size == 1)) return BackendKind::kShm;
  return under_mpirun ? BackendKind::kMpi : BackendKind::kGloo;
}

BackendKind choose_backend(const std::string& name, bool device_is_cuda, const std::string& what) {
  if (name == "shm") return BackendKind::kShm;
  if (name == "gloo") return BackendKind::kGloo;
  if (name == "mpi") return BackendKind::kMpi;
  if (name == "nccl") return BackendKind::kNccl;
  if (name == "auto" || name.empty()) {
    return automatic_backend(rank::RankContext::from_environment(), device_is_cuda,
                             std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr);
  }
  throw ConfigError(what + " '" + name + "': expected shm, gloo, mpi, nccl or auto");
}

const char* to_string(BackendKind kind) {
  switch (kind) {
    case BackendKind::kShm:
      return "shm";
    case BackendKind::kGloo:
      return "gloo";
    case BackendKind::kMpi:
      return "mpi";
    case BackendKind::kNccl:
      return "nccl";
  }
  return "?";
}

std::unique_ptr<Communicator> make_communicator(BackendKind kind, const rank::RankContext& context,
                                                std::chrono::milliseconds timeout) {
  if (kind == BackendKind::kMpi) {
    // MPI_Init is the rendezvous (mpirun started every rank); a launcher's store still hears the start.
    if (context.has_store()) {
      store::StoreClient client(store::StoreAddress::parse(context.store), context.store_token);
      rank::announce_start(context, client);
    }
    return std::make_unique<Communicator>(make_mpi_backend());
  }
  const rank::RankIdentity& id = context.identity;
  detail::reporting_rank() = id.rank;
  if (id.world_size == 1 && !context.has_store()) {
    // A world of one meets nobody: an in-process store stands in for the rendezvous.
    if (kind == BackendKind::kShm) return std::make_unique<Communicator>(make_single_rank_shm_backend());
    gloo::rendezvous::HashStore local;
    if (kind == BackendKind::kGloo) {
      return std::make_unique<Communicator>(make_gloo_backend(GlooOptions{0, 1, "127.0.0.1", timeout}, local));
    }
    return std::make_unique<Communicator>(
        make_nccl_backend(NcclOptions{0, 1, context.local_device, "nccl", timeout}, local));
  }
  if (kind == BackendKind::kShm) {
    if (id.local_world_size != id.world_size) {
      throw UsageError("the shm backend connects the ranks of one machine, and this world of " +
                       std::to_string(id.world_size) + " ranks has " + std::to_string(id.local_world_size) +
                       " on this one: use gloo (or auto) across machines");
    }
    const ShmOptions options{id.rank, id.world_size, timeout};
    return through_store(
        context, [&](gloo::rendezvous::Store& store) { return make_shm_backend(options, store); }, timeout);
  }
  if (kind == BackendKind::kGloo) {
    // Peers connect to the address this rank listens on: ZLAUNCH_HOST when set, loopback for one
    // machine, otherwise this host's own routable address (zl/base/host_address.h), not its name, which
    // may resolve to loopback or not at all on the other machines.
    std::string host = !context.host.empty() ? context.host : id.local_world_size == id.world_size ? "127.0.0.1" : "";
    if (host.empty()) {
      std::string because;
      host = announced_host_address(because);
    }
    const GlooOptions options{id.rank, id.world_size, host, timeout};
    return through_store(
        context, [&](gloo::rendezvous::Store& store) { return make_gloo_backend(options, store); }, timeout);
  }
  const NcclOptions options{id.rank, id.world_size, context.local_device, "nccl", timeout};
  return through_store(
      context, [&](gloo::rendezvous::Store& store) { return make_nccl_backend(options, store); }, timeout);
}

std::unique_ptr<Communicator> make_communicator_from_environment(BackendKind kind, std::chrono::milliseconds timeout) {
  return make_communicator(kind, rank::RankContext::from_environment(), timeout);
}

}  // namespace zl::comm
