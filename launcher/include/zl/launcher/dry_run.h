// --dry_run: the plan as text (machines, ranks, their devices and environment, the exact commands), printed
// instead of launching. The store token is shown as <secret>.
#pragma once

#include <string>

#include "zl/launcher/launch_plan.h"

namespace zl::launcher {

std::string format_dry_run(const LaunchPlan& plan, bool as_root);

}  // namespace zl::launcher
