// The collective, atomic save (zl/checkpoint/checkpoint_io.h).
#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "collective_status.h"
#include "zl/base/check.h"
#include "zl/base/error.h"
#include "zl/checkpoint/checkpoint_directory.h"
#include "zl/checkpoint/checkpoint_io.h"
#include "zl/checkpoint/fault_point.h"
#include "zl/checkpoint/file_io.h"
#include "zl/checkpoint/shard_layout.h"

namespace zl::checkpoint {
namespace fs = std::filesystem;

namespace {

// Writes and fsyncs this rank's blocks (shard_layout.h) from the engine's held tensors (through a host
// copy when they are on the GPU).
void write_shard(engine::Engine& engine, ChecksummedFileWriter& out) {
  const std::vector<engine::HeldState> held = engine.held_state();
  const std::size_t kinds = 1 + engine.optimizer_state_names().size();
  for (const ShardBlock& b : shard_blocks(engine.partition(), engine.communicator().rank(), kinds)) {
    if (b.end == b.begin) continue;
    const engine::HeldState& h = held.at(b.layer);
    ZL_CHECK(h.begin <= b.begin && b.end <= h.end,
             "layer " << b.layer << " elements [" << b.begin << ", " << b.end << ") are not held by this rank");
    const runtime::Tensor t = (b.kind == 0 ? h.master : h.optimizer.at(b.kind - 1)).on_host();
    out.write(t.f32() + (b.begin - h.begin), static_cast<std::size_t>(b.end - b.begin) * sizeof(float));
  }
  out.sync_and_close();
}

Manifest make_manifest(engine::Engine& engine, const runtime::Gpt2Model& model, const TrainingPosition& p,
                       const std::vector<std::uint64_t>& checksums) {
  Manifest m;
  m.step = p.step;
  m.world_size = engine.communicator().size();
  m.zero_stage = engine.stage();
  m.model = model.spec();
  m.layer_sizes = model.layer_sizes();
  m.optimizer = engine.optimizer_name();
  m.optimizer_states = engine.optimizer_state_names();
  m.optimizer_step_count = engine.optimizer_steps();
  m.scheduler = {{"type", config::to_string(p.scheduler_type)}, {"position", p.step}, {"last_lr", p.last_lr}};
  const engine::LossScalerState& scaler = engine.loss_scaler().state();
  m.loss_scaler = {{"working_dtype", runtime::to_string(engine.working_dtype())},
                   {"type", engine::to_string(engine.loss_scaler().kind())},
                   {"cur_scale", scaler.cur_scale},
                   {"cur_iter", scaler.cur_iter},
                   {"last_overflow_iter", scaler.last_overflow_iter},
                   {"cur_hysteresis", scaler.cur_hysteresis},
                   {"skipped_steps", engine.skipped_steps()}};
  m.data = {{"position", p.step},
            {"samples_consumed", p.step * p.global_batch},
            {"global_batch", p.global_batch},
            {"context", p.context},
            {"sampler", "BatchSampler: global sample g is the window at Rng(mix64(data_seed) + g)"}};
  m.rng = {{"generator", "splitmix64"},
           {"init_seed", p.init_seed},
           {"data_seed", p.data_seed},
           {"streams", "stateless: every stream derives from a seed and a step or sample index"}};
  m.config = p.identity;
  const std::string identity = p.identity.dump();
  m.config_digest = hex64(xxh64(identity.data(), identity.size()));
  std::vector<std::uint64_t> bytes;
  m.tensors = layout_tensors(model, engine.partition(), m.kinds(), bytes);
  for (int r = 0; r < m.world_size; ++r) {
    m.files.push_back(
        ShardFile{r, shard_file_name(r), bytes[static_cast<std::size_t>(r)], checksums[static_cast<std::size_t>(r)]});
  }
  return m;
}

// Moves the complete temporary directory to its final name. An existing step directory (the same step
// saved again after a restart) is exchanged atomically, so the name never disappears, then deleted.
void publish(const fs::path& tmp, const fs::path& final_dir) {
  std::error_code ec;
  if (fs::exists(final_dir, ec)) {
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, final_dir.c_str(), RENAME_EXCHANGE) != 0) {
      throw SystemError("cannot exchange " + tmp.string() + " with " + final_dir.string(), errno);
    }
    fs::remove_all(tmp, ec);
  } else if (::rename(tmp.c_str(), final_dir.c_str()) != 0) {
    throw SystemError("cannot rename " + tmp.string() + " to " + final_dir.string(), errno);
  }
}

}  // namespace

SaveResult save_checkpoint(engine::Engine& engine, const runtime::Gpt2Model& model, const TrainingPosition& position,
                           const SaveOptions& options) {
  comm::Communicator& comm = engine.communicator();
  const int rank = comm.rank();
  const fs::path dir(options.dir);
  const fs::path tmp = dir / temporary_directory_name(position.step);
  const fs::path final_dir = dir / step_directory_name(position.step);
  CollectiveStatus status(comm, "checkpoint " + final_dir.string() + " was not saved");

  // 1. The temporary directory, after the leftovers of saves that never published (this one's too).
  status.run_on(0, [&] {
    fs::create_directories(dir);
    remove_unpublished_saves(dir.string());
    fs::create_directory(tmp);
  });
  status.agree();

  // 2. Every rank's shard; sizes and checksums reach rank 0 with the agreement.
  SaveResult result;
  result.path = final_dir.string();
  std::uint64_t checksum = 0;
  status.run([&] {
    ChecksummedFileWriter writer((tmp / shard_file_name(rank)).string());
    write_shard(engine, writer);
    checksum = writer.checksum();
    result.rank_bytes = writer.bytes();
  });
  fault_point("after_shard_write", rank, position.step);
  const std::vector<std::uint64_t> shards = status.agree({checksum, result.rank_bytes});
  std::vector<std::uint64_t> checksums;
  for (std::size_t r = 0; r < shards.size(); r += 2) {
    checksums.push_back(shards[r]);
    result.total_bytes += shards[r + 1];
  }

  // 3. Manifest, publish, `latest`, pruning (rank 0).
  status.run_on(0, [&] {
    const Manifest manifest = make_manifest(engine, model, position, checksums);
    for (const ShardFile& f : manifest.files) {
      ZL_CHECK(f.bytes == shards[2 * static_cast<std::size_t>(f.rank) + 1],
               "rank " << f.rank << " wrote " << shards[2 * static_cast<std::size_t>(f.rank) + 1]
                       << " bytes, the layout has " << f.bytes);
    }
    const std::string text = manifest_to_text(manifest);
    ChecksummedFileWriter writer((tmp / kManifestName).string());
    writer.write(text.data(), text.size());
    writer.sync_and_close();
    fsync_directory(tmp.string());
    fault_point("before_publish", rank, position.step);
    publish(tmp, final_dir);
    fsync_directory(dir.string());
    write_file_atomically((dir / kLatestName).string(), step_directory_name(position.step) + "\n");
    prune_checkpoints(dir.string(), options.keep_last);
  });
  status.agree();
  return result;
}

}  // namespace zl::checkpoint
