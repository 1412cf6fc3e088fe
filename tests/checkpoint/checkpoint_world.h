// Test harness for checkpoints: a world of W ranks as threads over gloo (as tests/engine's harness,
// whose model and training settings it reuses) that can load a checkpoint before training, save at
// chosen steps, and record each rank's losses, its held master/optimizer state at a chosen point, and
// the final full parameters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zl/checkpoint/training_state.h"
#include "zl/config/model_spec.h"
#include "zl/config/resolved_config.h"

namespace zl::checkpoint::testing {

struct HeldCopy {
  std::size_t layer = 0;
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::vector<std::vector<float>> kinds;  // master, then each optimizer state
};

struct RankRun {
  std::vector<double> losses;                        // of the steps this world ran, in order
  std::vector<double> loss_scales;                   // the loss scale each of those steps used
  std::vector<bool> skipped;                         // whether each of those steps was skipped
  std::vector<HeldCopy> held;                        // at capture_at (empty when not captured)
  std::vector<std::vector<float>> final_parameters;  // per layer, gathered
  std::string error;                                 // "" when the rank finished
  int exit_code = 0;                                 // what main() would exit with for that error
};

struct WorldRun {
  int world_size = 2;
  int stage = 0;
  int end_step = 20;         // train until this many steps are done
  std::string load_from;     // a checkpoint to resume from first ("" = fresh from the seed)
  std::string save_dir;      // where to save ("" = never)
  std::vector<int> save_at;  // save after these step counts
  int keep_last = 0;
  bool save_on_load = false;  // save right after loading (re-saving a loaded state under this world)
  int capture_at = -1;        // record held state after this many steps (after the load when equal to its step)
  config::ModelSpec model;    // default: engine::testing::test_model()
  double lr = 3e-3;
  std::string precision = "fp32";  // fp32 | bf16 | fp16
  int initial_scale_power = 16;    // fp16
};

config::ModelSpec test_model();
config::TrainingSettings test_training(int world_size, int stage, double lr, const std::string& precision = "fp32",
                                       int initial_scale_power = 16);
nlohmann::json test_identity(const config::ModelSpec& model, const config::TrainingSettings& training);

std::vector<RankRun> run_world(const WorldRun& run);

// The full tensors of each layer and kind assembled from every rank's held copies; checks that the
// ranks' ranges tile each layer (no gap, no overlap) and returns [layer][kind] -> values.
std::vector<std::vector<std::vector<float>>> assemble(const std::vector<RankRun>& ranks,
                                                      const std::vector<std::int64_t>& layer_sizes);

}  // namespace zl::checkpoint::testing
