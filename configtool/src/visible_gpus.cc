// The process-wide GPU counter behind `device: auto` (visible_gpus.h).
#include "zl/config/visible_gpus.h"

namespace zl::config {
namespace {
VisibleGpuCounter installed_counter = nullptr;
}  // namespace

void set_visible_gpu_counter(VisibleGpuCounter counter) { installed_counter = counter; }

int count_visible_gpus() { return installed_counter != nullptr ? installed_counter() : 0; }

}  // namespace zl::config
