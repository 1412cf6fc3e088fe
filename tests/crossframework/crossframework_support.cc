// Cross-framework test helpers (crossframework_support.h).
#include "crossframework_support.h"

#include <array>
#include <fstream>

#include "launch_support.h"

namespace zl::crossframework {

void write_token_shard(const std::string& path, std::size_t count, int vocab, std::uint64_t seed) {
  std::array<std::int32_t, 256> header{};
  header[0] = 20240520;
  header[1] = 1;
  header[2] = static_cast<std::int32_t>(count);
  std::vector<std::uint16_t> tokens(count);
  std::uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1;
  auto next = [&state] {  // splitmix64
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  std::uint64_t token = 0;
  for (auto& t : tokens) {
    token = next() % 5 < 4 ? (token * 7 + next() % 3) % static_cast<std::uint64_t>(vocab)
                           : next() % static_cast<std::uint64_t>(vocab);
    t = static_cast<std::uint16_t>(token);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(header.data()), sizeof(header));
  out.write(reinterpret_cast<const char*>(tokens.data()), static_cast<std::streamsize>(tokens.size() * 2));
}

std::vector<nlohmann::json> read_json_lines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

testing::ProcessResult run_train(const std::string& dir, const TrainRun& run) {
  std::vector<std::string> args = {
      "--num_processes",      std::to_string(run.world_size), "--config_file", run.config_file, "--metrics_port", "0",
      testing::train_binary()};
  args.insert(args.end(), run.train_args.begin(), run.train_args.end());
  for (const std::string& a : {std::string("--log_json"), run.name + ".log", std::string("--dump_batches"),
                               run.name + ".dump", std::string("--threads"), std::string("1")}) {
    args.push_back(a);
  }
  testing::ProcessOptions options =
      testing::isolated_launch_options(dir, {"ZLAUNCH_CONFIG", "WORLD_SIZE", "RANK", "OMP_NUM_THREADS"});
  options.timeout = std::chrono::seconds(120);
  return testing::run_process(testing::zlaunch_run_argv(dir, args, run.name), options);
}

}  // namespace zl::crossframework
