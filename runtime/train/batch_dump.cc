// The global-batch dump of --dump_batches (batch_dump.h).
#include "batch_dump.h"

#include <vector>

#include <nlohmann/json.hpp>

#include "zl/base/error.h"

namespace zl::train {

BatchDump::BatchDump(const std::string& path) : path_(path) {
  if (path_.empty()) return;
  out_.open(path_, std::ios::trunc);
  if (!out_) throw UsageError("--dump_batches " + path_ + ": cannot open the file for writing");
}

void BatchDump::write(const runtime::BatchSampler& sampler, std::int64_t step, int accumulation, int world_size) {
  if (!out_.is_open()) return;
  nlohmann::json tokens = nlohmann::json::array(), targets = nlohmann::json::array();
  int micro = 0, T = 0;
  for (int m = 0; m < accumulation; ++m) {
    for (int r = 0; r < world_size; ++r) {
      const runtime::MicroBatch mb = sampler.micro_batch(step, m, r);
      micro = mb.B;
      T = mb.T;
      for (int b = 0; b < mb.B; ++b) {
        const auto row = mb.tokens.begin() + static_cast<std::ptrdiff_t>(b) * mb.T;
        const auto next = mb.targets.begin() + static_cast<std::ptrdiff_t>(b) * mb.T;
        tokens.push_back(std::vector<std::int32_t>(row, row + mb.T));
        targets.push_back(std::vector<std::int32_t>(next, next + mb.T));
      }
    }
  }
  const nlohmann::json line = {
      {"step", step + 1}, {"world_size", world_size}, {"micro_batch", micro}, {"accumulation", accumulation},
      {"context", T},     {"tokens", tokens},         {"targets", targets}};
  out_ << line.dump() << '\n';
  out_.flush();
  if (!out_) throw InfrastructureError("--dump_batches " + path_ + ": write failed");
}

}  // namespace zl::train
