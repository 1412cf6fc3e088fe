// Test-only fault injection for checkpoint saves (docs/checkpoints.md, "Testing crash safety").
// With ZL_CHECKPOINT_FAULT=<point> in the environment, the rank ZL_CHECKPOINT_FAULT_RANK (default 1)
// sends itself SIGKILL when a save reaches <point>, at the save of step ZL_CHECKPOINT_FAULT_STEP
// (default: every save), in the launcher's first attempt only (ZLAUNCH_ATTEMPT unset or 0, so a
// restarted group runs clean). Points: after_shard_write (this rank's shard is durable, the manifest
// not yet written) and before_publish (rank 0: manifest durable, directory not yet renamed).
#pragma once

#include <cstdint>

namespace zl::checkpoint {

void fault_point(const char* point, int rank, std::int64_t step);

}  // namespace zl::checkpoint
