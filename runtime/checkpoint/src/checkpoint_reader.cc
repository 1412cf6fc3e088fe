// Verified, re-partitioning reads of a checkpoint (zl/checkpoint/checkpoint_reader.h).
#include "zl/checkpoint/checkpoint_reader.h"

#include <algorithm>
#include <bit>

#include "zl/base/error.h"
#include "zl/checkpoint/xxhash64.h"

namespace zl::checkpoint {

static_assert(std::endian::native == std::endian::little, "shard files are little-endian fp32, read in place");

CheckpointReader::CheckpointReader(const std::string& step_dir) : dir_(step_dir) {
  manifest_ = manifest_from_text(read_text_file(manifest_path()), manifest_path());
  files_.resize(manifest_.files.size());
  verified_.assign(manifest_.files.size(), false);
}

std::string CheckpointReader::manifest_path() const { return dir_ + "/" + kManifestName; }

std::string CheckpointReader::file_path(int rank) const {
  return dir_ + "/" + manifest_.files.at(static_cast<std::size_t>(rank)).name;
}

ReadOnlyFile& CheckpointReader::file(int rank) {
  auto& f = files_.at(static_cast<std::size_t>(rank));
  if (!f) f = std::make_unique<ReadOnlyFile>(file_path(rank));
  return *f;
}

void CheckpointReader::verify_file(int rank) {
  if (verified_.at(static_cast<std::size_t>(rank))) return;
  const ShardFile& expected = manifest_.files.at(static_cast<std::size_t>(rank));
  ReadOnlyFile& f = file(rank);
  const std::uint64_t size = f.size();
  if (size != expected.bytes) {
    throw ConfigError(f.path() + ": " + (size < expected.bytes ? "truncated" : "too long") + ": " +
                      std::to_string(size) + " bytes, the manifest records " + std::to_string(expected.bytes));
  }
  Xxh64 hash;
  std::vector<char> buffer(std::size_t{4} << 20);
  for (std::uint64_t offset = 0; offset < size;) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - offset));
    f.read_at(offset, buffer.data(), n);
    hash.update(buffer.data(), n);
    offset += n;
  }
  if (hash.digest() != expected.xxh64) {
    throw ConfigError(f.path() + ": checksum mismatch: its xxh64 is " + hex64(hash.digest()) +
                      ", the manifest records " + hex64(expected.xxh64) + " (the file is corrupt)");
  }
  verified_[static_cast<std::size_t>(rank)] = true;
}

void CheckpointReader::read_tensor(const TensorRecord& tensor, const std::string& kind, std::int64_t begin,
                                   std::int64_t end, float* out) {
  const auto it = tensor.locations.find(kind);
  if (it == tensor.locations.end()) {
    throw ConfigError(manifest_path() + ": tensor '" + tensor.name + "' has no '" + kind + "' state");
  }
  for (const Piece& p : it->second) {
    const std::int64_t lo = std::max(begin, p.begin);
    const std::int64_t hi = std::min(end, p.end);
    if (hi <= lo) continue;
    verify_file(p.rank);
    file(p.rank).read_at(p.byte_offset + static_cast<std::uint64_t>(lo - p.begin) * sizeof(float), out + (lo - begin),
                         static_cast<std::size_t>(hi - lo) * sizeof(float));
  }
}

void CheckpointReader::read_layer(std::size_t layer, const std::string& kind, std::int64_t begin, std::int64_t end,
                                  float* out) {
  std::int64_t covered = 0;
  for (const TensorRecord& t : manifest_.tensors) {
    if (t.layer != layer) continue;
    const std::int64_t lo = std::max(begin, t.layer_offset);
    const std::int64_t hi = std::min(end, t.layer_offset + t.numel());
    if (hi <= lo) continue;
    read_tensor(t, kind, lo - t.layer_offset, hi - t.layer_offset, out + (lo - begin));
    covered += hi - lo;
  }
  if (covered != end - begin) {
    throw ConfigError(manifest_path() + ": layer " + std::to_string(layer) + " elements [" + std::to_string(begin) +
                      ", " + std::to_string(end) + ") are not all covered by its tensors");
  }
}

}  // namespace zl::checkpoint
