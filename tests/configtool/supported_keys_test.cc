// No supported DeepSpeed key is silently unused: for every leaf key in the schema's table, some value
// (in some context that gives the key a meaning: a stage, a precision, an optimizer or scheduler type)
// either changes the ResolvedConfig the runtime trains from, or is refused, or is reported in a
// warning that names the key. A key added to the table without being resolved fails here. That the
// runtime reads each ResolvedConfig field is the engine's and trainer's tests' business.
#include <gtest/gtest.h>

#include <iostream>

#include "config_test_files.h"
#include "subprocess.h"
#include "zl/base/error.h"
#include "zl/config/deepspeed_schema.h"
#include "zl/config/resolve.h"

namespace zl::config {
namespace {

using nlohmann::json;

// Contexts in which the keys mean something.
const char* const kBases[] = {
    R"({"train_micro_batch_size_per_gpu": 1, "zero_optimization": {"stage": 3}, "optimizer": {"type": "AdamW"},
        "scheduler": {"type": "WarmupCosineLR", "params": {"total_num_steps": 100, "warmup_num_steps": 10}}, "fp16": {"enabled": true}})",
    R"({"train_micro_batch_size_per_gpu": 1, "zero_optimization": {"stage": 2}, "optimizer": {"type": "SGD"},
        "zero_allow_untested_optimizer": true,
        "scheduler": {"type": "WarmupDecayLR", "params": {"total_num_steps": 100, "warmup_num_steps": 10}}})",
    R"({"train_micro_batch_size_per_gpu": 1, "zero_optimization": {"stage": 1}, "optimizer": {"type": "Adam"},
        "scheduler": {"type": "WarmupLR"}, "bf16": {"enabled": true}})",
};

// Values of every JSON type the table uses; a key takes those that fit it.
const json kValues = json::parse(R"([true, false, 0, 1, 2, 3, 7, 1000, 123456789, 0.5, 0.05, 2.5, 1e-05,
  "fp32", "bf16", "fp16", "cpu", "none", "Adam", "AdamW", "SGD", "WarmupLR", "WarmupDecayLR", "linear", "log",
  [0.8, 0.9]])");

struct Result {
  bool ok = false;
  std::string messages;  // errors, or warnings
  json resolved;
};

Result resolve_text(const std::string& dir, const json& document) {
  ResolveRequest r;
  r.config_file = testing_files::write_file(dir, "ds.json", document.dump());
  r.read_environment = false;
  r.read_default_files = false;
  Result out;
  try {
    const ResolvedConfig c = resolve(r);
    out.ok = true;
    out.resolved = to_json(c)["training"];
    for (const auto& w : c.warnings) out.messages += w + "\n";
  } catch (const ConfigError& e) {
    out.messages = e.what();
  }
  return out;
}

// "a.b.c" -> document["a"]["b"]["c"] = value.
void set_path(json& document, const std::string& path, const json& value) {
  json* cursor = &document;
  std::size_t start = 0;
  for (std::size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', start)) {
    cursor = &(*cursor)[path.substr(start, dot - start)];
    start = dot + 1;
  }
  (*cursor)[path.substr(start)] = value;
}

// How `key` was found to matter, or "" when no value in no context did. In order of strength: some
// value changes the resolved config; some value is reported in a warning naming the key; some value
// is refused for what it means (a type or range error proves nothing).
std::string how_it_matters(const std::string& dir, const std::string& key) {
  const std::string leaf = key.substr(key.rfind('.') + 1);
  std::string reported, refused;
  for (const char* base_text : kBases) {
    const json base = json::parse(base_text);
    const Result reference = resolve_text(dir, base);
    EXPECT_TRUE(reference.ok) << "the context itself must resolve: " << reference.messages;
    if (!reference.ok) return "";
    for (const json& value : kValues) {
      json document = base;
      set_path(document, key, value);
      const Result r = resolve_text(dir, document);
      if (r.ok && r.resolved != reference.resolved) return "changes the resolved config (" + value.dump() + ")";
      const bool named = r.messages.find(leaf) != std::string::npos;
      if (named && r.ok && r.messages != reference.messages) reported = "reported by name (" + value.dump() + ")";
      const bool type_or_range =
          r.messages.find("expected ") != std::string::npos || r.messages.find("out of range") != std::string::npos;
      if (named && !r.ok && !type_or_range) refused = "refused by name (" + value.dump() + ")";
    }
  }
  return !reported.empty() ? reported : refused;
}

TEST(SupportedKeys, EveryKeyReachesTheResolvedConfigOrIsReported) {
  const std::string dir = ::zl::testing::make_temp_dir("zl_supported_keys_");
  const std::vector<std::string> keys = supported_deepspeed_leaf_keys();
  ASSERT_GT(keys.size(), 40U);
  for (const std::string& key : keys) {
    const std::string how = how_it_matters(dir, key);
    std::cout << key << ": " << how << "\n";
    EXPECT_NE(how, "") << key << " is accepted but no value changes what is trained, and nothing says so";
  }
}

}  // namespace
}  // namespace zl::config
