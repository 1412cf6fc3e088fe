// The collective, re-partitioning load (zl/checkpoint/checkpoint_io.h).
#include "collective_status.h"
#include "zl/base/error.h"
#include "zl/checkpoint/checkpoint_io.h"
#include "zl/checkpoint/checkpoint_reader.h"

namespace zl::checkpoint {
namespace {

void check_model(const Manifest& m, const runtime::Gpt2Model& model, const engine::Engine& engine,
                 const std::string& path) {
  if (m.model.dimensions() != model.spec().dimensions() || m.layer_sizes != model.layer_sizes()) {
    throw ConfigError(path + ": the checkpoint holds a model of dimensions " + m.model.dimensions() +
                      " (layers,heads,width,context,vocab), this run's model is " + model.spec().dimensions() +
                      " (pass --model " + m.model.dimensions() + ")");
  }
  if (m.optimizer != engine.optimizer_name() || m.optimizer_states != engine.optimizer_state_names()) {
    throw ConfigError(path + ": the checkpoint's optimizer is " + m.optimizer + ", this run's is " +
                      engine.optimizer_name());
  }
}

}  // namespace

Manifest load_checkpoint(engine::Engine& engine, const runtime::Gpt2Model& model, const std::string& step_dir,
                         const nlohmann::json& identity) {
  CollectiveStatus status(engine.communicator(), "checkpoint " + step_dir + " could not be loaded");
  Manifest manifest;
  status.run([&] {
    CheckpointReader reader(step_dir);
    manifest = reader.manifest();
    check_model(manifest, model, engine, reader.manifest_path());
    if (!identity.is_null()) check_same_run(manifest.config, identity, reader.manifest_path());
    const std::vector<std::string> kinds = manifest.kinds();
    for (const engine::HeldState& h : engine.held_state()) {
      if (h.end == h.begin) continue;
      // Read on the host, then copied into the engine's tensor when that is on the GPU.
      const auto read_into = [&](const runtime::Tensor& target, const std::string& kind) {
        const runtime::Tensor host = target.on_host();
        reader.read_layer(h.layer, kind, h.begin, h.end, host.f32());
        if (!host.shares_storage_with(target)) target.copy_from(host);
      };
      read_into(h.master, kinds[0]);
      for (std::size_t k = 1; k < kinds.size(); ++k) read_into(h.optimizer[k - 1], kinds[k]);
    }
  });
  status.agree();
  engine.finish_state_load(manifest.optimizer_step_count);
  // The loss scaler continues where it stopped when the checkpoint used the same kind of scaler (a
  // run resumed in another precision starts its scaler afresh; the fp32 master weights carry over).
  const nlohmann::json& scaler = manifest.loss_scaler;
  if (scaler.contains("type") &&
      scaler.at("type").get<std::string>() == engine::to_string(engine.loss_scaler().kind())) {
    engine::LossScalerState state;
    state.cur_scale = scaler.at("cur_scale").get<double>();
    state.cur_iter = scaler.at("cur_iter").get<std::int64_t>();
    state.last_overflow_iter = scaler.at("last_overflow_iter").get<std::int64_t>();
    state.cur_hysteresis = scaler.at("cur_hysteresis").get<int>();
    engine.restore_loss_scaler(state, scaler.at("skipped_steps").get<std::int64_t>());
  }
  return manifest;
}

}  // namespace zl::checkpoint
