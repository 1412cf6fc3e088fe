// DeepSpeed's batch-size rules; see batch_triangle.h.
#include "zl/config/batch_triangle.h"

namespace zl::config {
namespace {

std::string s(std::int64_t v) { return std::to_string(v); }

}  // namespace

BatchResolution resolve_batch(const BatchRequest& request) {
  BatchResolution r;
  std::optional<std::int64_t> tbs = request.train_batch_size;
  std::optional<std::int64_t> micro = request.micro_batch;
  std::optional<std::int64_t> gas = request.accumulation;
  const std::int64_t ws = request.world_size;
  if (!tbs && !micro) {
    if (!request.trainer_fills_micro) {
      r.errors.push_back(
          "neither train_batch_size nor train_micro_batch_size_per_gpu is given (DeepSpeed requires at least one): "
          "add \"train_micro_batch_size_per_gpu\": 8 (or train_batch_size, or \"auto\" to use the trainer's default)");
      return r;
    }
    micro = request.default_micro_batch;
    r.micro_batch_rule = "trainer default " + s(request.default_micro_batch);
  }
  // The order of cases is DeepSpeed's.
  if (tbs && micro && gas) {
  } else if (tbs && micro) {
    gas = ws > 0 && *micro > 0 ? *tbs / *micro / ws : 0;
    r.accumulation_rule = "train_batch_size // micro // world size = " + s(*tbs) + " // " + s(*micro) + " // " + s(ws);
  } else if (tbs && gas) {
    micro = ws > 0 && *gas > 0 ? *tbs / ws / *gas : 0;
    r.micro_batch_rule =
        "train_batch_size // world size // accumulation = " + s(*tbs) + " // " + s(ws) + " // " + s(*gas);
  } else if (micro && gas) {
    tbs = *micro * *gas * ws;
    r.train_batch_size_rule = "micro × accumulation × world size = " + s(*micro) + " * " + s(*gas) + " * " + s(ws);
  } else if (tbs) {
    gas = 1;
    r.accumulation_rule = "1 when only train_batch_size is given";
    micro = ws > 0 ? *tbs / ws : 0;
    r.micro_batch_rule = "train_batch_size // world size = " + s(*tbs) + " // " + s(ws);
  } else {
    gas = 1;
    r.accumulation_rule = "1 when only the micro batch is given";
    tbs = *micro * ws;
    r.train_batch_size_rule = "micro × world size = " + s(*micro) + " * " + s(ws);
  }
  r.train_batch_size = *tbs;
  r.micro_batch = *micro;
  r.accumulation = *gas;

  auto explain = [](const std::string& rule) { return rule.empty() ? std::string() : " (derived: " + rule + ")"; };
  const std::string product = "train_batch_size " + s(r.train_batch_size) + " != " + s(r.micro_batch) + " * " +
                              s(r.accumulation) + " * " + s(ws) + " (micro × accumulation × world size)";
  if (r.train_batch_size <= 0)
    r.errors.push_back("train_batch_size " + s(r.train_batch_size) + " must be > 0" + explain(r.train_batch_size_rule));
  if (r.micro_batch <= 0) {
    r.errors.push_back("train_micro_batch_size_per_gpu " + s(r.micro_batch) + " must be > 0" +
                       explain(r.micro_batch_rule) + ": " + product + "; raise train_batch_size to at least " +
                       s(ws * r.accumulation) + " or run with fewer processes");
  }
  if (r.accumulation <= 0) {
    r.errors.push_back("gradient_accumulation_steps " + s(r.accumulation) + " must be > 0" +
                       explain(r.accumulation_rule) + ": " + product + "; raise train_batch_size to at least " +
                       s(r.micro_batch * ws) + ", lower train_micro_batch_size_per_gpu, or run with fewer processes");
  }
  if (r.errors.empty() && r.train_batch_size != r.micro_batch * r.accumulation * ws) {
    std::string fix = "; set train_batch_size to " + s(r.micro_batch * r.accumulation * ws);
    const std::int64_t per_world = r.micro_batch * r.accumulation;
    if (per_world > 0 && r.train_batch_size % per_world == 0) {
      fix += ", or run with --num_processes " + s(r.train_batch_size / per_world);
    }
    if (r.micro_batch * ws > 0 && r.train_batch_size % (r.micro_batch * ws) == 0) {
      fix += ", or set gradient_accumulation_steps to " + s(r.train_batch_size / (r.micro_batch * ws));
    }
    std::string rules;
    for (const std::string* rule : {&r.accumulation_rule, &r.micro_batch_rule, &r.train_batch_size_rule}) {
      if (!rule->empty()) rules += (rules.empty() ? "" : "; ") + *rule;
    }
    r.errors.push_back(product + explain(rules) + fix);
  }
  return r;
}

}  // namespace zl::config
