// Threads-as-ranks training worlds with checkpoints (checkpoint_world.h).
#include "checkpoint_world.h"

#include <gloo/rendezvous/hash_store.h>

#include <stdexcept>
#include <thread>

#include "../engine/world_harness.h"
#include "zl/base/error.h"
#include "zl/checkpoint/checkpoint_io.h"
#include "zl/comm/gloo/backend.h"
#include "zl/engine/engine.h"
#include "zl/kernels/blas_threads.h"
#include "zl/runtime/addition_task.h"
#include "zl/runtime/batch_sampler.h"
#include "zl/runtime/gpt2_model.h"

namespace zl::checkpoint::testing {
namespace {

constexpr int kGlobalBatch = 12;
constexpr std::uint64_t kInitSeed = 1234;
constexpr std::uint64_t kDataSeed = 99;

std::vector<HeldCopy> copy_held(engine::Engine& engine) {
  std::vector<HeldCopy> out;
  for (const engine::HeldState& h : engine.held_state()) {
    HeldCopy c{h.layer, h.begin, h.end, {}};
    if (h.end > h.begin) {
      c.kinds.emplace_back(h.master.f32(), h.master.f32() + h.master.numel());
      for (const auto& t : h.optimizer) c.kinds.emplace_back(t.f32(), t.f32() + t.numel());
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

config::ModelSpec test_model() { return engine::testing::test_model(); }

config::TrainingSettings test_training(int world_size, int stage, double lr, const std::string& precision,
                                       int initial_scale_power) {
  engine::testing::WorldConfig w;
  w.precision = precision;
  w.initial_scale_power = initial_scale_power;
  w.world_size = world_size;
  w.stage = stage;
  w.global_batch = kGlobalBatch;
  config::TrainingSettings t = engine::testing::test_training(w);
  t.optimizer.lr = lr;
  return t;
}

nlohmann::json test_identity(const config::ModelSpec& model, const config::TrainingSettings& training) {
  return run_identity(model, training, kGlobalBatch, kDataSeed, model.block_size, "addition task");
}

std::vector<RankRun> run_world(const WorldRun& run) {
  kernels::set_blas_threads(1);
  const config::ModelSpec spec = run.model.n_layer > 0 ? run.model : test_model();
  const config::TrainingSettings training =
      test_training(run.world_size, run.stage, run.lr, run.precision, run.initial_scale_power);
  const runtime::AdditionTask task(2);
  const runtime::TokenDataset data = task.dataset(20000);
  gloo::rendezvous::HashStore store;
  std::vector<RankRun> ranks(static_cast<std::size_t>(run.world_size));
  std::vector<std::thread> threads;
  for (int r = 0; r < run.world_size; ++r) {
    threads.emplace_back([&, r] {
      RankRun& out = ranks[static_cast<std::size_t>(r)];
      try {
        runtime::Allocator allocator;
        comm::Communicator comm(comm::make_gloo_backend(
            comm::GlooOptions{r, run.world_size, "127.0.0.1", std::chrono::seconds(60)}, store));
        runtime::Gpt2Model model(spec, allocator);
        engine::Engine engine(model, comm, training, allocator);
        engine.initialize(kInitSeed);
        const runtime::BatchSampler sampler(data.train, spec.block_size, training.train_micro_batch_size_per_gpu,
                                            training.gradient_accumulation_steps, run.world_size, kDataSeed);
        TrainingPosition position;
        position.init_seed = kInitSeed;
        position.data_seed = kDataSeed;
        position.global_batch = sampler.global_batch();
        position.context = spec.block_size;
        position.identity = test_identity(spec, training);
        std::int64_t step = 0;
        if (!run.load_from.empty()) step = load_checkpoint(engine, model, run.load_from, position.identity).step;
        if (run.capture_at == step) out.held = copy_held(engine);
        if (run.save_on_load) {
          position.step = step;
          save_checkpoint(engine, model, position, SaveOptions{run.save_dir, run.keep_last});
        }
        for (; step < run.end_step; ++step) {
          const engine::StepResult result = engine.train_step(sampler, step, run.lr);
          out.losses.push_back(result.loss);
          out.loss_scales.push_back(result.loss_scale);
          out.skipped.push_back(result.skipped);
          if (run.capture_at == step + 1) out.held = copy_held(engine);
          for (const int at : run.save_at) {
            if (at != step + 1) continue;
            position.step = step + 1;
            position.last_lr = run.lr;
            save_checkpoint(engine, model, position, SaveOptions{run.save_dir, run.keep_last});
          }
        }
        for (std::size_t i = 0; i < model.layer_count(); ++i) out.final_parameters.push_back(engine.full_parameters(i));
      } catch (const std::exception& e) {
        out.error = e.what();
        out.exit_code = exit_code_for(e);
      }
    });
  }
  for (auto& t : threads) t.join();
  return ranks;
}

std::vector<std::vector<std::vector<float>>> assemble(const std::vector<RankRun>& ranks,
                                                      const std::vector<std::int64_t>& layer_sizes) {
  std::vector<std::vector<std::vector<float>>> out(layer_sizes.size());
  std::vector<std::vector<int>> filled(layer_sizes.size());
  for (std::size_t i = 0; i < layer_sizes.size(); ++i) filled[i].assign(static_cast<std::size_t>(layer_sizes[i]), 0);
  for (const RankRun& rank : ranks) {
    for (const HeldCopy& h : rank.held) {
      if (h.end == h.begin) continue;
      auto& layer = out.at(h.layer);
      if (layer.empty())
        layer.assign(h.kinds.size(), std::vector<float>(static_cast<std::size_t>(layer_sizes[h.layer])));
      for (std::size_t k = 0; k < h.kinds.size(); ++k) {
        std::copy(h.kinds[k].begin(), h.kinds[k].end(), layer[k].begin() + h.begin);
      }
      for (std::int64_t e = h.begin; e < h.end; ++e) ++filled[h.layer][static_cast<std::size_t>(e)];
    }
  }
  for (std::size_t i = 0; i < filled.size(); ++i) {
    for (const int f : filled[i]) {
      if (f != 1) throw std::logic_error("layer " + std::to_string(i) + ": the ranks' held ranges do not tile it");
    }
  }
  return out;
}

}  // namespace zl::checkpoint::testing
