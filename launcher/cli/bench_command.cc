// `zlaunch bench comm`: nccl-tests-style collective benchmark of this machine's backends. Every rank
// runs it; rank 0 prints the table. Run it under the launcher:
//   zlaunch run --num_processes 4 zlaunch bench comm                       (gloo through the store)
//   zlaunch run --num_processes 4 --launcher mpi zlaunch bench comm --backend mpi
#include "bench_command.h"

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "zl/base/error.h"
#include "zl/comm/bootstrap.h"
#include "zl/comm/comm_benchmark.h"

namespace zl::cli {
namespace {

struct BenchCommArgs {
  std::string backend = "auto";
  std::string dtype = "fp32";
  std::string min_bytes = "1K";
  std::string max_bytes = "256M";
  std::vector<std::string> collectives = {"all_reduce", "reduce_scatter", "all_gather", "broadcast"};
  int iterations = 10;
  int warmup = 2;
  std::string json_path;
};

std::size_t parse_size(const std::string& text, const std::string& flag) {
  std::size_t used = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::exception&) {
    throw UsageError(flag + " '" + text + "': expected a size like 1024, 64K, 16M or 1G");
  }
  const std::string suffix = text.substr(used);
  if (suffix == "K" || suffix == "k")
    value <<= 10;
  else if (suffix == "M" || suffix == "m")
    value <<= 20;
  else if (suffix == "G" || suffix == "g")
    value <<= 30;
  else if (!suffix.empty())
    throw UsageError(flag + " '" + text + "': unknown suffix '" + suffix + "' (use K, M or G)");
  if (value == 0) throw UsageError(flag + " must be positive");
  return static_cast<std::size_t>(value);
}

comm::Collective parse_collective(const std::string& name) {
  for (const auto c : {comm::Collective::kAllReduce, comm::Collective::kReduceScatter, comm::Collective::kAllGather,
                       comm::Collective::kBroadcast}) {
    if (name == comm::to_string(c)) return c;
  }
  throw UsageError("--collectives: unknown collective '" + name +
                   "' (expected all_reduce, reduce_scatter, all_gather, broadcast)");
}

void run_bench_comm(const BenchCommArgs& args) {
  comm::CommBenchmarkOptions options;
  options.min_bytes = parse_size(args.min_bytes, "--min_bytes");
  options.max_bytes = parse_size(args.max_bytes, "--max_bytes");
  if (options.min_bytes > options.max_bytes) throw UsageError("--min_bytes is larger than --max_bytes");
  options.type = comm::data_type_from_string(args.dtype, "--dtype");
  options.iterations = args.iterations;
  options.warmup_iterations = args.warmup;
  options.collectives.clear();
  for (const auto& name : args.collectives) options.collectives.push_back(parse_collective(name));
  const auto kind = comm::choose_backend(args.backend, false, "--backend");
  auto communicator = comm::make_communicator_from_environment(kind, std::chrono::seconds(300));
  const auto rows = comm::run_comm_benchmark(*communicator, options);
  if (communicator->rank() != 0) return;
  std::cout << comm::format_comm_benchmark(rows, *communicator, options) << std::flush;
  if (!args.json_path.empty()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& row : rows) {
      out.push_back({{"collective", comm::to_string(row.collective)},
                     {"backend", communicator->backend_name()},
                     {"world_size", communicator->size()},
                     {"dtype", comm::to_string(options.type)},
                     {"bytes", row.payload_bytes},
                     {"count", row.count},
                     {"seconds", row.seconds_per_call},
                     {"algbw_gbps", row.algbw_gbps},
                     {"busbw_gbps", row.busbw_gbps},
                     {"correct", row.correct}});
    }
    std::ofstream(args.json_path) << out.dump(2) << '\n';
  }
  for (const auto& row : rows) {
    if (!row.correct)
      throw Error(std::string("bench comm: ") + comm::to_string(row.collective) + " of " +
                  std::to_string(row.payload_bytes) + " bytes returned a wrong result");
  }
}

}  // namespace

void define_bench_command(CLI::App& bench) {
  bench.require_subcommand(1);
  auto args = std::make_shared<BenchCommArgs>();
  auto* comm_cmd =
      bench.add_subcommand("comm", "Time, algbw and busbw of each collective over sizes; run under zlaunch run");
  comm_cmd->add_option("--backend", args->backend, "gloo, mpi, nccl or auto (mpi under mpirun, else gloo)")
      ->capture_default_str();
  comm_cmd->add_option("--dtype", args->dtype, "fp32, bf16 or fp16")->capture_default_str();
  comm_cmd->add_option("--min_bytes", args->min_bytes, "Smallest payload (K/M/G suffixes)")->capture_default_str();
  comm_cmd->add_option("--max_bytes", args->max_bytes, "Largest payload; sizes step by 4x")->capture_default_str();
  comm_cmd->add_option("--collectives", args->collectives, "Which collectives")->delimiter(',')->capture_default_str();
  comm_cmd->add_option("--iters", args->iterations, "Timed iterations per size")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  comm_cmd->add_option("--warmup", args->warmup, "Untimed iterations per size")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  comm_cmd->add_option("--json", args->json_path, "Also write the rows as JSON to this file (rank 0)");
  comm_cmd->callback([args] { run_bench_comm(*args); });
}

}  // namespace zl::cli
