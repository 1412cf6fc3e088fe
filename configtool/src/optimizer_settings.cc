// The optimizer block: type (Adam, AdamW, SGD; DeepSpeed's other optimizers named as unsupported) and
// its parameters with their ranges, "auto" taking the bundled trainer's defaults. Every parameter that
// changes DeepSpeed's update is implemented or refused by name, never ignored.
#include <optional>
#include <string>
#include <vector>

#include "zl/config/config_problems.h"
#include "zl/config/deepspeed_schema.h"
#include "zl/config/merged_reader.h"

namespace zl::config {
namespace {

bool ds_bool(MergedReader& r, const std::string& key, bool fallback) {
  return r.ds_value<bool>(key, fallback, fallback, "DeepSpeed default");
}

// DeepSpeed's Adam family (engine.py _configure_basic_optimizer): the decay is decoupled for AdamW
// always and for Adam unless adam_w_mode is false; torch_adam picks torch.optim.Adam/AdamW, the same
// update; bias_correction is FusedAdam's (torch.optim.Adam has no such parameter); AMSGrad is refused
// by FusedAdam and not implemented here.
void resolve_adam_variant(MergedReader& r, OptimizerSettings& o) {
  const bool adam_w_mode = ds_bool(r, "optimizer.params.adam_w_mode", true);
  o.adam_w_mode = o.type == OptimizerType::kAdamW || adam_w_mode;
  if (o.type == OptimizerType::kAdamW && !adam_w_mode) {
    r.warning("optimizer.params.adam_w_mode", r.ds("optimizer.params.adam_w_mode"),
              "has no effect with type AdamW: DeepSpeed keeps the weight decay decoupled; for L2 decay write "
              "\"type\": \"Adam\" with \"adam_w_mode\": false");
  }
  if (o.type == OptimizerType::kAdam && !r.given("optimizer.params.adam_w_mode") &&
      r.given("optimizer.params.weight_decay")) {
    r.config().sources["optimizer.params.adam_w_mode"] =
        "default (DeepSpeed: type Adam decouples the weight decay unless adam_w_mode is false)";
  }
  const bool torch_adam = ds_bool(r, "optimizer.params.torch_adam", false);
  if (torch_adam) {
    r.warning("optimizer.params.torch_adam", r.ds("optimizer.params.torch_adam"),
              "has no effect in zlaunch: in DeepSpeed it selects torch.optim.Adam/AdamW instead of FusedAdam, "
              "the same update zlaunch computes");
  }
  o.bias_correction = ds_bool(r, "optimizer.params.bias_correction", true);
  if (torch_adam && r.given("optimizer.params.bias_correction")) {
    r.error("optimizer.params.bias_correction", r.ds("optimizer.params.bias_correction"),
            "is not a parameter of torch.optim.Adam, which torch_adam selects (DeepSpeed fails building it); "
            "remove one of the two");
  }
  if (ds_bool(r, "optimizer.params.amsgrad", false)) {
    r.error("optimizer.params.amsgrad", r.ds("optimizer.params.amsgrad"),
            "the AMSGrad variant is not implemented by zlaunch (DeepSpeed's FusedAdam refuses it as well); "
            "remove it or set it to false");
  }
}

// torch.optim.SGD's dampening and nesterov: only their defaults (0, false) are implemented.
void resolve_sgd_variant(MergedReader& r) {
  if (r.ds_number("optimizer.params.dampening", 0.0, 0.0, 1.0) != 0.0) {
    r.error("optimizer.params.dampening", r.ds("optimizer.params.dampening"),
            "SGD dampening is not implemented by zlaunch (only 0); remove it");
  }
  if (ds_bool(r, "optimizer.params.nesterov", false)) {
    r.error("optimizer.params.nesterov", r.ds("optimizer.params.nesterov"),
            "Nesterov momentum is not implemented by zlaunch; remove it or set it to false");
  }
}

}  // namespace

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
  // Each parameter belongs to one family; DeepSpeed passes the params to the optimizer's constructor,
  // which refuses a foreign one.
  static const std::vector<const char*> kAdamOnly = {"optimizer.params.betas",           "optimizer.params.eps",
                                                     "optimizer.params.adam_w_mode",     "optimizer.params.torch_adam",
                                                     "optimizer.params.bias_correction", "optimizer.params.amsgrad"};
  static const std::vector<const char*> kSgdOnly = {"optimizer.params.momentum", "optimizer.params.dampening",
                                                    "optimizer.params.nesterov"};
  for (const char* key : sgd ? kAdamOnly : kSgdOnly) {
    if (!r.given(key)) continue;
    if (sgd) {
      r.error(key, r.ds(key), "not a parameter of SGD (it takes lr, momentum, weight_decay); remove it or use AdamW");
    } else {
      r.error(key, r.ds(key),
              "not a parameter of " + std::string(to_string(o.type)) +
                  " (Adam's momentum terms are betas); remove it or use SGD");
    }
  }
  if (sgd) {
    resolve_sgd_variant(r);
  } else {
    resolve_adam_variant(r, o);
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
