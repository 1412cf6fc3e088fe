// How many GPUs this process sees, for `device: auto` (what Accelerate does for distributed_type
// DEEPSPEED or NO: the GPUs when any are visible, else the CPU). configtool sits below the device
// layer, so each program's main() installs the counter (zl::device::visible_gpu_count); without one,
// none are counted and "auto" means the CPU. Not thread-safe to install: call before resolve().
#pragma once

namespace zl::config {

using VisibleGpuCounter = int (*)();

void set_visible_gpu_counter(VisibleGpuCounter counter);
// The installed counter's answer; 0 when none is installed.
int count_visible_gpus();

}  // namespace zl::config
