// `zlaunch env`: the report a user pastes into a bug (like `accelerate env` / `ds_report`): versions of
// zlaunch and every dependency, compiler, CPU and SIMD level, cores, memory, compiled backends, CUDA
// toolkit, driver and GPUs. Gathering never throws: a fact that cannot be read says why.
#pragma once

#include <nlohmann/json.hpp>

namespace zl::cli {

// Sections in display order: {"zlaunch": {...}, "dependencies": {...}, "machine": {...},
// "backends": {...}, "cuda": {...}}; every leaf is a string, bool or number.
nlohmann::ordered_json gather_env_report();

// Human-readable rendering, one "key: value" line per fact under section headings.
std::string format_env_report(const nlohmann::ordered_json& report);

}  // namespace zl::cli
