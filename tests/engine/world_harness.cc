// Threads-as-ranks training worlds for the engine tests (world_harness.h).
#include "world_harness.h"

#include <gloo/rendezvous/hash_store.h>

#include <stdexcept>
#include <thread>

#include "zl/comm/nccl/backend.h"
#include "zl/comm/shm/backend.h"
#include "zl/config/auto_rules.h"
#include "zl/engine/engine.h"
#include "zl/kernels/blas_threads.h"
#include "zl/runtime/addition_task.h"
#include "zl/runtime/batch_sampler.h"
#include "zl/runtime/compute_device.h"
#include "zl/runtime/gpt2_model.h"

namespace zl::engine::testing {

config::ModelSpec test_model() { return config::ModelSpec{"custom", 2, 2, 64, 32, 256}; }

config::TrainingSettings test_training(const WorldConfig& world) {
  config::TrainingSettings t;
  t.train_batch_size = world.global_batch;
  t.gradient_accumulation_steps = world.accumulation;
  t.train_micro_batch_size_per_gpu = world.global_batch / (world.accumulation * world.world_size);
  t.gradient_clipping = 1.0;
  t.optimizer.type = config::OptimizerType::kAdamW;
  t.optimizer.lr = world.lr;
  t.optimizer.weight_decay = 0.01;
  auto& z = t.zero_optimization;
  const config::AutoBucketSizes sized = config::auto_bucket_sizes(test_model());
  z.stage = world.stage;
  z.overlap_comm = world.overlap_comm;
  z.reduce_bucket_size = world.reduce_bucket_size > 0 ? world.reduce_bucket_size : sized.reduce_bucket_size;
  if (world.allgather_bucket_size > 0) z.allgather_bucket_size = world.allgather_bucket_size;
  z.stage3_prefetch_bucket_size = sized.stage3_prefetch_bucket_size;
  z.stage3_param_persistence_threshold = sized.stage3_param_persistence_threshold;
  t.fp16.enabled = world.precision == "fp16";
  t.fp16.initial_scale_power = world.initial_scale_power;
  t.fp16.hysteresis = world.hysteresis;
  t.fp16.min_loss_scale = world.min_loss_scale;
  t.bf16_enabled = world.precision == "bf16";
  t.communication_data_type = world.communication_data_type;
  if (world.offload_optimizer) z.offload_optimizer.device = config::OffloadDevice::kCpu;
  if (world.offload_param) z.offload_param.device = config::OffloadDevice::kCpu;
  return t;
}

std::vector<RankRecord> run_world(const WorldConfig& world) {
  if (world.global_batch % (world.accumulation * world.world_size) != 0) {
    throw std::invalid_argument("test world: global batch " + std::to_string(world.global_batch) +
                                " is not divisible by accumulation x world size");
  }
  kernels::set_blas_threads(1);
  const config::ModelSpec spec = test_model();
  const config::TrainingSettings training = test_training(world);
  const runtime::AdditionTask task(2);
  const runtime::TokenDataset data = task.dataset(20000);
  const runtime::Device device = world.device == "cuda" ? runtime::Device::kCuda : runtime::Device::kCpu;
  gloo::rendezvous::HashStore store;
  std::vector<RankRecord> records(static_cast<std::size_t>(world.world_size));
  std::vector<std::thread> threads;
  for (int r = 0; r < world.world_size; ++r) {
    threads.emplace_back([&, r] {
      RankRecord& record = records[static_cast<std::size_t>(r)];
      try {
        const runtime::ComputeDevice compute(device, r);  // a thread's GPU and compute stream
        runtime::Allocator allocator;
        comm::Communicator comm(
            device == runtime::Device::kCuda
                ? comm::make_nccl_backend(comm::NcclOptions{r, world.world_size, r, "nccl", std::chrono::seconds(60)},
                                          store)
                : comm::make_shm_backend(comm::ShmOptions{r, world.world_size, std::chrono::seconds(60)}, store));
        runtime::Gpt2Model model(spec, allocator, device);
        Engine engine(model, comm, training, allocator);
        engine.initialize(1234);
        const runtime::BatchSampler sampler(data.train, spec.block_size, training.train_micro_batch_size_per_gpu,
                                            training.gradient_accumulation_steps, world.world_size, 99);
        for (int step = 0; step < world.steps; ++step) {
          const StepResult result = engine.train_step(sampler, step, training.optimizer.lr);
          record.losses.push_back(result.loss);
          record.grad_norms.push_back(result.grad_norm);
          record.skipped.push_back(result.skipped);
          record.loss_scales.push_back(result.loss_scale);
          if (step == 0) record.memory_after_first_step = allocator.stats();
          record.comm_after_step.push_back(comm.stats());
        }
        record.memory_after_last_step = allocator.stats();
        for (std::size_t i = 0; i < model.layer_count(); ++i)
          record.final_parameters.push_back(engine.full_parameters(i));
      } catch (const std::exception& e) {
        record.error = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  return records;
}

}  // namespace zl::engine::testing
