// Lookup of the embedded templates by short or full name.
#include "zl/config/templates.h"

#include "zl/base/error.h"
#include "zl/config/config_problems.h"

namespace zl::config {

std::vector<std::string> deepspeed_template_names() {
  std::vector<std::string> names;
  const std::string prefix = "deepspeed/";
  for (const auto& t : embedded_templates()) {
    const std::string name(t.name);
    if (name.rfind(prefix, 0) == 0) names.push_back(name.substr(prefix.size(), name.size() - prefix.size() - 5));
  }
  return names;
}

std::string template_text(const std::string& name) {
  for (const auto& t : embedded_templates()) {
    if (t.name == name || t.name == "deepspeed/" + name + ".json" || t.name == "launch/" + name + ".yaml") {
      return std::string(t.content);
    }
  }
  std::vector<std::string> names;
  std::string list;
  for (const auto& t : embedded_templates()) {
    names.emplace_back(t.name);
    list += (list.empty() ? "" : ", ") + std::string(t.name);
  }
  const auto short_names = deepspeed_template_names();
  names.insert(names.end(), short_names.begin(), short_names.end());
  throw ConfigError("no template '" + name + "'" + did_you_mean(name, names) + "; the templates are: " + list);
}

}  // namespace zl::config
