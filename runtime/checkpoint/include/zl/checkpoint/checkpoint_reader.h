// Read access to one published checkpoint: its validated manifest and any element range of any saved
// tensor, whichever shard files hold it (the re-partitioning read of a universal checkpoint). Every
// shard file is verified in full (size, then XXH64) the first time a read touches it, so corrupt or
// truncated data is never used; errors are zl::ConfigError naming the file and what is wrong.
// Not thread-safe (one reader per thread).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "zl/checkpoint/file_io.h"
#include "zl/checkpoint/manifest.h"

namespace zl::checkpoint {

class CheckpointReader {
 public:
  // `step_dir` holds manifest.json (resolve_checkpoint finds it from a checkpoint directory).
  explicit CheckpointReader(const std::string& step_dir);

  [[nodiscard]] const Manifest& manifest() const { return manifest_; }
  [[nodiscard]] const std::string& directory() const { return dir_; }
  [[nodiscard]] std::string manifest_path() const;
  [[nodiscard]] std::string file_path(int rank) const;

  // Checks rank `rank`'s file against the manifest (once; later calls return at once).
  void verify_file(int rank);
  // Elements [begin, end) of tensor `tensor`'s state `kind` ("master" or an optimizer state), as fp32.
  void read_tensor(const TensorRecord& tensor, const std::string& kind, std::int64_t begin, std::int64_t end,
                   float* out);
  // Elements [begin, end) of layer `layer`'s flat buffer (its tensors back to back), as fp32.
  void read_layer(std::size_t layer, const std::string& kind, std::int64_t begin, std::int64_t end, float* out);

 private:
  ReadOnlyFile& file(int rank);

  std::string dir_;
  Manifest manifest_;
  std::vector<std::unique_ptr<ReadOnlyFile>> files_;
  std::vector<bool> verified_;
};

}  // namespace zl::checkpoint
