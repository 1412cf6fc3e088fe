// The optimizer block: type (Adam, AdamW, SGD; DeepSpeed's other optimizers named as unsupported) and
// its parameters with their ranges, "auto" taking the bundled trainer's defaults.
#include <optional>
#include <string>

#include "zl/config/config_problems.h"
#include "zl/config/deepspeed_schema.h"
#include "zl/config/merged_reader.h"

namespace zl::config {

void resolve_optimizer(MergedReader& r) {
  OptimizerSettings& o = r.config().training.optimizer;
  const OptimizerSettings d;
  const SourcedValue* type = r.ds("optimizer.type");
  o.type = d.type;
  r.config().sources["optimizer.type"] = "default";
  if (type != nullptr && !r.is_auto(type)) {
    const std::string t = type->value.get<std::string>();
    r.config().sources["optimizer.type"] = type->source;
    const std::optional<OptimizerType> found = find_optimizer_type(t);
    if (found) {
      o.type = *found;
    } else {
      if (known_unsupported_optimizer(t)) {
        r.error("optimizer.type", type,
                "DeepSpeed's " + t + " optimizer is not supported by zlaunch; use Adam, AdamW or SGD");
      } else {
        r.error("optimizer.type", type,
                "unknown optimizer '" + t + "'" + did_you_mean(t, {"Adam", "AdamW", "SGD"}) +
                    "; zlaunch implements Adam, AdamW and SGD");
      }
    }
  } else if (type == nullptr) {
    for (const char* key : {"optimizer.params.lr", "optimizer.params.betas", "optimizer.params.eps",
                            "optimizer.params.weight_decay", "optimizer.params.momentum"}) {
      if (r.ds(key) != nullptr && r.ds(key)->source.rfind("file", 0) == 0) {
        r.error("optimizer.type", r.ds(key),
                "optimizer parameters are given without \"type\"; add \"type\": \"AdamW\" (or Adam, SGD)");
        break;
      }
    }
  }
  o.lr = r.ds_number("optimizer.params.lr", d.lr, 1e-30, 1e6, d.lr, "trainer default learning rate");
  const bool sgd = o.type == OptimizerType::kSgd;
  if (sgd) {
    for (const char* key : {"optimizer.params.betas", "optimizer.params.eps"}) {
      if (r.given(key))
        r.error(key, r.ds(key), "not a parameter of SGD (it takes lr, momentum, weight_decay); remove it or use AdamW");
    }
  } else if (r.given("optimizer.params.momentum")) {
    r.error("optimizer.params.momentum", r.ds("optimizer.params.momentum"),
            "not a parameter of " + std::string(to_string(o.type)) +
                " (Adam's momentum terms are betas); remove it or use SGD");
  }
  const SourcedValue* betas = r.ds("optimizer.params.betas");
  if (betas != nullptr && !r.is_auto(betas)) {
    r.config().sources["optimizer.params.betas"] = betas->source;
    const double b1 = betas->value[0].get<double>();
    const double b2 = betas->value[1].get<double>();
    if (b1 < 0 || b1 >= 1 || b2 < 0 || b2 >= 1) {
      r.error("optimizer.params.betas", betas,
              "both betas must be in [0, 1), got [" + format_number(b1) + ", " + format_number(b2) + "]");
    } else {
      o.betas = {b1, b2};
    }
  } else {
    r.config().sources["optimizer.params.betas"] = betas != nullptr ? "auto (trainer default)" : "default";
  }
  o.eps = r.ds_number("optimizer.params.eps", d.eps, 1e-30, 1.0, d.eps, "trainer default");
  o.weight_decay =
      r.ds_number("optimizer.params.weight_decay", d.weight_decay, 0.0, 1e6, d.weight_decay, "trainer default");
  o.momentum = r.ds_number("optimizer.params.momentum", d.momentum, 0.0, 0.999999, d.momentum, "trainer default");
}

}  // namespace zl::config
