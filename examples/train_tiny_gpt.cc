// A user's own training program on the zlaunch C++ API: the communicator from the launcher's
// environment, a GPT-2 model, the ZeRO engine at the stage of your choice, and a training loop.
// Build it against an installed zlaunch (examples/CMakeLists.txt: find_package(zlaunch)) and run it
// under the launcher:
//   zlaunch run --num_processes 2 ./train_tiny_gpt --stage 3 --steps 30
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "zl/base/error.h"
#include "zl/comm/bootstrap.h"
#include "zl/config/model_spec.h"
#include "zl/config/resolved_config.h"
#include "zl/engine/engine.h"
#include "zl/runtime/addition_task.h"
#include "zl/runtime/batch_sampler.h"
#include "zl/runtime/gpt2_model.h"

int main(int argc, char** argv) {
  int stage = 2;
  int steps = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--stage")
      stage = std::atoi(argv[i + 1]);
    else if (flag == "--steps")
      steps = std::atoi(argv[i + 1]);
  }
  try {
    auto comm = zl::comm::make_communicator_from_environment(zl::comm::BackendKind::kGloo, std::chrono::seconds(60));
    const zl::config::ModelSpec spec = zl::config::parse_model_spec("tiny", "model");
    zl::config::TrainingSettings training;
    training.train_micro_batch_size_per_gpu = 4;
    training.train_batch_size = 4 * comm->size();
    training.gradient_clipping = 1.0;
    training.optimizer.lr = 3e-3;
    training.zero_optimization.stage = stage;
    training.zero_optimization.stage3_param_persistence_threshold = 10 * spec.n_embd;

    zl::runtime::Gpt2Model model(spec);
    zl::engine::Engine engine(model, *comm, training);
    engine.initialize(/*seed=*/1234);
    const zl::runtime::AdditionTask task(2);
    const auto data = task.dataset(50000);
    const zl::runtime::BatchSampler sampler(data.train, task.window(), training.train_micro_batch_size_per_gpu, 1,
                                            comm->size(), /*seed=*/7);
    double first = 0, last = 0;
    for (int step = 0; step < steps; ++step) {
      const auto result = engine.train_step(sampler, step, training.optimizer.lr);
      if (step == 0) first = result.loss;
      last = result.loss;
    }
    if (comm->rank() == 0) {
      std::printf("trained %d steps at ZeRO stage %d on %d ranks: loss %.4f -> %.4f\n", steps, engine.stage(),
                  comm->size(), first, last);
    }
    return 0;
  } catch (const zl::Error& e) {
    std::fprintf(stderr, "train_tiny_gpt: %s\n", e.what());
    return zl::exit_code_for(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_tiny_gpt: %s\n", e.what());
    return 1;
  }
}
