// The report of `zlaunch checkpoint inspect` (zl/checkpoint/inspect.h).
#include "zl/checkpoint/inspect.h"

#include <iomanip>

#include "zl/base/error.h"
#include "zl/checkpoint/checkpoint_directory.h"
#include "zl/checkpoint/checkpoint_reader.h"

namespace zl::checkpoint {

bool inspect_checkpoint(const std::string& checkpoint, std::ostream& out) {
  CheckpointReader reader(resolve_checkpoint(checkpoint, "zlaunch checkpoint inspect"));
  const Manifest& m = reader.manifest();
  out << "checkpoint " << reader.directory() << "\n"
      << "  format version " << m.format_version << ", step " << m.step << ", world size " << m.world_size
      << ", ZeRO stage " << m.zero_stage << "\n"
      << "  dtypes: master " << m.master_dtype << ", optimizer states " << m.optimizer_dtype << "\n"
      << "  model " << m.model.dimensions() << " (layers,heads,width,context,vocab)\n"
      << "  optimizer " << m.optimizer << ", states";
  for (const auto& s : m.optimizer_states) out << ' ' << s;
  out << ", step count " << m.optimizer_step_count << "\n"
      << "  scheduler " << m.scheduler.dump() << "\n"
      << "  data " << m.data.dump() << "\n"
      << "  rng " << m.rng.dump() << "\n"
      << "  config digest xxh64:" << m.config_digest << "\n"
      << "  files (" << m.files.size() << "):\n";
  bool ok = true;
  std::uint64_t total = 0;
  for (const ShardFile& f : m.files) {
    out << "    " << f.name << "  " << f.bytes << " bytes  xxh64 " << hex64(f.xxh64) << "  ";
    try {
      reader.verify_file(f.rank);
      out << "verified\n";
    } catch (const ConfigError& e) {
      ok = false;
      out << "FAILED: " << e.what() << "\n";
    }
    total += f.bytes;
  }
  std::int64_t parameters = 0;
  for (const TensorRecord& t : m.tensors) parameters += t.numel();
  out << "  total " << total << " bytes\n"
      << "  tensors (" << m.tensors.size() << ", " << parameters << " parameters):\n";
  for (const TensorRecord& t : m.tensors) {
    out << "    " << std::left << std::setw(28) << t.name << std::setw(14) << runtime::shape_string(t.shape)
        << std::right << std::setw(10) << t.numel() << " elements, " << t.numel() * 4 << " bytes per state, on ranks";
    for (const Piece& p : t.locations.at(kMasterKind)) out << ' ' << p.rank;
    out << "\n";
  }
  out << (ok ? "all files verified\n" : "VERIFICATION FAILED\n");
  return ok;
}

}  // namespace zl::checkpoint
