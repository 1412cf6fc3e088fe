// The DeepSpeed JSON schema as far as zlaunch knows it: keys we implement (typed), keys DeepSpeed
// knows that we ignore (warning naming them), deprecated spellings (accepted, warning naming the new
// key), and everything else (error with a did-you-mean). Types follow DeepSpeed: an integral float such
// as 5e8 is an integer; "auto" is allowed on any scalar and resolved later by configtool.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zl/config/config_layer.h"
#include "zl/config/config_problems.h"
#include "zl/config/resolved_config.h"

namespace zl::config {

// Checks `document` (the content of `origin`) and returns its leaves keyed by dotted path, each with
// `source`. Problems are added with "<origin>: <key path>" as their place.
FlatConfig check_deepspeed_document(const nlohmann::json& document, const std::string& origin,
                                    const std::string& source, Problems& problems);

// The dotted paths of the leaf keys zlaunch implements (sections excluded), in table order: each one
// reaches the ResolvedConfig the runtime trains from, or is refused or reported as having no effect
// (tests/configtool/supported_keys_test.cc holds every one to that).
std::vector<std::string> supported_deepspeed_leaf_keys();

// Optimizer and scheduler types as a user writes them, case-insensitively as DeepSpeed reads them
// ("adamw" -> kAdamW), or std::nullopt when zlaunch does not implement the type (never kConstant).
// known_unsupported_*() says whether DeepSpeed knows the type.
std::optional<OptimizerType> find_optimizer_type(const std::string& type);
bool known_unsupported_optimizer(const std::string& type);
std::optional<SchedulerType> find_scheduler_type(const std::string& type);
bool known_unsupported_scheduler(const std::string& type);

}  // namespace zl::config
