// Anchors for `zlaunch bench comm`: the same collectives and sizes timed straight on the libraries
// zlaunch builds on, with nothing of ours in the data path, plus this machine's memcpy bandwidth (the
// physical limit of one node). Prints the same columns as zlaunch bench comm.
//   mpirun -np 4 comm_anchors mpi        OpenMPI's MPI_Allreduce / MPI_Reduce_scatter_block / MPI_Allgather / MPI_Bcast
//   zlaunch run -n 4 comm_anchors gloo   Gloo's own algorithms (allreduce with gloo::sum, allgather, broadcast,
//                                        ReduceScatterHalvingDoubling - the racy one DEPENDENCIES.md warns of, timed
//                                        only)
//   comm_anchors memcpy                  one core copying 64 MiB
// The gloo mode only borrows zlaunch's rendezvous store to connect its mesh.
#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/broadcast.h>
#include <gloo/reduce_scatter.h>
#include <gloo/rendezvous/context.h>
#include <gloo/transport/tcp/device.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "zl/comm/store_adapter.h"
#include "zl/comm/types.h"
#include "zl/rank/rank_identity.h"
#include "zl/store/store_client.h"

namespace {

using Clock = std::chrono::steady_clock;
using zl::comm::Collective;

constexpr std::size_t kMinBytes = 1024, kMaxBytes = 256u << 20;

// Times `op` (warmup 2, then iterations, halved above 16 MiB) and returns seconds per call on this rank.
double time_op(const std::function<void()>& op, const std::function<void()>& barrier, std::size_t bytes) {
  const int iterations = bytes > (16u << 20) ? 5 : 10;
  op();
  op();
  barrier();
  const auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) op();
  return std::chrono::duration<double>(Clock::now() - start).count() / iterations;
}

void print_row(const char* library, Collective c, std::size_t payload, double seconds, int n) {
  const double algbw = static_cast<double>(payload) / seconds * 1e-9;
  std::printf("%-6s %-15s %12zu %12.1f %10.3f %10.3f\n", library, zl::comm::to_string(c), payload, seconds * 1e6, algbw,
              algbw * zl::comm::bus_bandwidth_factor(c, n));
}

int run_mpi(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, n = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  auto barrier = [] { MPI_Barrier(MPI_COMM_WORLD); };
  for (const Collective c :
       {Collective::kAllReduce, Collective::kReduceScatter, Collective::kAllGather, Collective::kBroadcast}) {
    for (std::size_t bytes = kMinBytes; bytes <= kMaxBytes; bytes *= 4) {
      const bool per_rank = c == Collective::kReduceScatter || c == Collective::kAllGather;
      const int count = static_cast<int>(per_rank ? bytes / 4 / static_cast<std::size_t>(n) : bytes / 4);
      const std::size_t large =
          per_rank ? static_cast<std::size_t>(count) * static_cast<std::size_t>(n) : static_cast<std::size_t>(count);
      std::vector<float> in(large, 0.0f), out(large, 0.0f);
      std::function<void()> op;
      switch (c) {
        case Collective::kAllReduce:
          op = [&] { MPI_Allreduce(MPI_IN_PLACE, out.data(), count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); };
          break;
        case Collective::kReduceScatter:
          op = [&] { MPI_Reduce_scatter_block(in.data(), out.data(), count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); };
          break;
        case Collective::kAllGather:
          op = [&] { MPI_Allgather(in.data(), count, MPI_FLOAT, out.data(), count, MPI_FLOAT, MPI_COMM_WORLD); };
          break;
        default:
          op = [&] { MPI_Bcast(out.data(), count, MPI_FLOAT, 0, MPI_COMM_WORLD); };
          break;
      }
      double seconds = time_op(op, barrier, bytes);
      MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      if (rank == 0)
        print_row("mpi", c, zl::comm::payload_bytes(c, static_cast<std::size_t>(count), zl::comm::DataType::kFp32, n),
                  seconds, n);
    }
  }
  MPI_Finalize();
  return 0;
}

int run_gloo() {
  const auto id = zl::rank::rank_identity_from_env();
  auto client = zl::store::StoreClient::from_environment();
  zl::comm::RendezvousStoreAdapter store(client, "anchors/gloo/", std::chrono::seconds(60));
  auto device = gloo::transport::tcp::CreateDevice(gloo::transport::tcp::attr("127.0.0.1"));
  auto context = std::make_shared<gloo::rendezvous::Context>(id.rank, id.world_size);
  context->connectFullMesh(store, device);
  const int n = id.world_size;
  auto barrier = [&] {
    float x = 0;
    gloo::AllreduceOptions opts(context);
    opts.setOutput(&x, 1);
    opts.setReduceFunction(static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<float>));
    gloo::allreduce(opts);
  };
  std::uint32_t tag = 1;
  for (const Collective c :
       {Collective::kAllReduce, Collective::kReduceScatter, Collective::kAllGather, Collective::kBroadcast}) {
    for (std::size_t bytes = kMinBytes; bytes <= kMaxBytes; bytes *= 4) {
      const bool per_rank = c == Collective::kReduceScatter || c == Collective::kAllGather;
      const std::size_t count = per_rank ? bytes / 4 / static_cast<std::size_t>(n) : bytes / 4;
      const std::size_t large = per_rank ? count * static_cast<std::size_t>(n) : count;
      std::vector<float> in(large, 0.0f), out(large, 0.0f);
      std::vector<int> counts(static_cast<std::size_t>(n), static_cast<int>(count));
      std::unique_ptr<gloo::ReduceScatterHalvingDoubling<float>> reduce_scatter;
      if (c == Collective::kReduceScatter) {
        std::vector<float*> ptrs = {in.data()};
        reduce_scatter =
            std::make_unique<gloo::ReduceScatterHalvingDoubling<float>>(context, ptrs, static_cast<int>(large), counts);
      }
      std::function<void()> op = [&] {
        switch (c) {
          case Collective::kAllReduce: {
            gloo::AllreduceOptions opts(context);
            opts.setOutput(out.data(), count);
            opts.setReduceFunction(static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<float>));
            opts.setTag(tag++);
            gloo::allreduce(opts);
            break;
          }
          case Collective::kReduceScatter:
            reduce_scatter->run();
            break;
          case Collective::kAllGather: {
            gloo::AllgatherOptions opts(context);
            opts.setInput(in.data(), count);
            opts.setOutput(out.data(), large);
            opts.setTag(tag++);
            gloo::allgather(opts);
            break;
          }
          default: {
            gloo::BroadcastOptions opts(context);
            opts.setOutput(out.data(), count);
            opts.setRoot(0);
            opts.setTag(tag++);
            gloo::broadcast(opts);
            break;
          }
        }
      };
      const float seconds = static_cast<float>(time_op(op, barrier, bytes));
      std::vector<float> all(static_cast<std::size_t>(n));
      gloo::AllgatherOptions gather(context);
      gather.setInput(const_cast<float*>(&seconds), 1);
      gather.setOutput(all.data(), all.size());
      gather.setTag(tag++);
      gloo::allgather(gather);
      if (id.rank == 0)
        print_row("gloo", c, zl::comm::payload_bytes(c, count, zl::comm::DataType::kFp32, n),
                  *std::max_element(all.begin(), all.end()), n);
    }
  }
  return 0;
}

int run_memcpy() {
  const std::size_t bytes = 64u << 20;
  std::vector<char> a(bytes, 1), b(bytes, 0);
  const double seconds = time_op([&] { std::memcpy(b.data(), a.data(), bytes); }, [] {}, bytes);
  std::printf("memcpy %-15s %12zu %12.1f %10.3f %10.3f\n", "copy", bytes, seconds * 1e6, bytes / seconds * 1e-9,
              bytes / seconds * 1e-9);
  return b[bytes / 2] == 1 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "mpi") return run_mpi(argc, argv);
  if (mode == "gloo") return run_gloo();
  if (mode == "memcpy") return run_memcpy();
  std::fprintf(stderr, "usage: comm_anchors mpi|gloo|memcpy\n");
  return 2;
}
