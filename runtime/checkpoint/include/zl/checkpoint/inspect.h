// `zlaunch checkpoint inspect`: a human-readable account of one checkpoint (step, world size, stage,
// dtypes, model, optimizer, positions, every file with its size and verified checksum, every tensor
// with its shape and pieces).
#pragma once

#include <ostream>
#include <string>

namespace zl::checkpoint {

// Writes the report; returns false when any shard file fails verification (each failure is reported
// in the file list with the reason). Throws zl::ConfigError when the manifest itself is unusable.
bool inspect_checkpoint(const std::string& checkpoint, std::ostream& out);

}  // namespace zl::checkpoint
