// MergedReader: reads the merged layers (config_builder.h) key by key for the steps of
// build_resolved_config(), recording each value's source in ResolvedConfig::sources and sending range
// errors to Problems with "<file>: <key>" as their place. Absent keys take the given default
// (source "default"); "auto" takes the given auto value (source "auto (<rule>)").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zl/config/config_builder.h"

namespace zl::config {

// "<file>: <key>" for file values, "<flag or env> (<key>)" otherwise: where a user goes to fix it.
std::string place(const std::string& key, const SourcedValue& v);
// A double as a person writes it (1e-08, 0.5).
std::string format_number(double v);

class MergedReader {
 public:
  MergedReader(const MergedConfig& merged, ResolvedConfig& config, Problems& problems)
      : merged_(merged), config_(config), problems_(problems) {}

  [[nodiscard]] const MergedConfig& merged() const { return merged_; }
  ResolvedConfig& config() { return config_; }
  Problems& problems() { return problems_; }

  const SourcedValue* launch(const std::string& key) const {
    const auto it = merged_.launch.find(key);
    return it == merged_.launch.end() ? nullptr : &it->second;
  }
  const SourcedValue* ds(const std::string& key) const {
    const auto it = merged_.deepspeed.find(key);
    return it == merged_.deepspeed.end() ? nullptr : &it->second;
  }
  static bool is_auto(const SourcedValue* v) { return v != nullptr && v->value.is_string() && v->value == "auto"; }

  void error(const std::string& key, const SourcedValue* v, const std::string& what) {
    problems_.error(v != nullptr ? place(key, *v) : key, what);
  }
  void warning(const std::string& key, const SourcedValue* v, const std::string& what) {
    problems_.warning(v != nullptr ? place(key, *v) : key, what);
  }

  // Launch values (never "auto"), recording their source.
  std::int64_t launch_int(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi,
                          const std::string& fix) {
    const SourcedValue* v = launch(key);
    if (v == nullptr) {
      config_.sources[key] = "default";
      return fallback;
    }
    config_.sources[key] = v->source;
    const std::int64_t n = v->value.get<std::int64_t>();
    if (n < lo || n > hi) {
      error(key, v,
            std::to_string(n) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]: " + fix);
      return fallback;
    }
    return n;
  }
  std::string launch_string(const std::string& key, const std::string& fallback) {
    const SourcedValue* v = launch(key);
    config_.sources[key] = v != nullptr ? v->source : "default";
    return v != nullptr ? v->value.get<std::string>() : fallback;
  }
  template <typename Enum>
  Enum launch_enum(const std::string& key, Enum fallback, const std::vector<std::pair<std::string, Enum>>& choices,
                   const std::string& extra = "") {
    const std::string text = launch_string(key, "");
    if (text.empty() && launch(key) == nullptr) return fallback;
    std::string names;
    for (const auto& [name, value] : choices) {
      if (name == text) return value;
      names += (names.empty() ? "" : " | ") + name;
    }
    error(key, launch(key), "'" + text + "' is not one of " + names + extra);
    return fallback;
  }

  // DeepSpeed values: absent -> fallback ("default"), "auto" -> auto_value ("auto (<rule>)").
  template <typename T>
  T ds_value(const std::string& key, T fallback, T auto_value, const std::string& auto_rule,
             const std::string& default_source = "default") {
    const SourcedValue* v = ds(key);
    if (v == nullptr) {
      config_.sources[key] = default_source;
      return fallback;
    }
    if (is_auto(v)) {
      config_.sources[key] = "auto (" + auto_rule + ")";
      return auto_value;
    }
    config_.sources[key] = v->source;
    return v->value.get<T>();
  }
  template <typename T>
  T ds_value(const std::string& key, T fallback) {
    return ds_value<T>(key, fallback, fallback, "default");
  }
  std::int64_t ds_int(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi,
                      std::optional<std::int64_t> auto_value = std::nullopt, const std::string& rule = "default") {
    const std::int64_t n = ds_value<std::int64_t>(key, fallback, auto_value.value_or(fallback), rule);
    if (n < lo || n > hi) {
      error(key, ds(key),
            std::to_string(n) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return fallback;
    }
    return n;
  }
  double ds_number(const std::string& key, double fallback, double lo, double hi,
                   std::optional<double> auto_value = std::nullopt, const std::string& rule = "default") {
    const double x = ds_value<double>(key, fallback, auto_value.value_or(fallback), rule);
    if (!(x >= lo && x <= hi)) {
      error(key, ds(key), format_number(x) + " is out of range [" + format_number(lo) + ", " + format_number(hi) + "]");
      return fallback;
    }
    return x;
  }
  // True when the key was written by the user (not default, not "auto").
  bool given(const std::string& key) const { return ds(key) != nullptr && !is_auto(ds(key)); }

 private:
  const MergedConfig& merged_;
  ResolvedConfig& config_;
  Problems& problems_;
};

}  // namespace zl::config
