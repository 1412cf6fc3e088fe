// read_yaml_mapping() (yaml_document.h): the text checks, yaml-cpp's parse and the conversion to JSON.
#include "yaml_document.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "zl/base/error.h"

namespace zl::config {
namespace {

using nlohmann::json;

// Bounds on the YAML-to-JSON conversion. Aliases share nodes, so a few hundred bytes can name a graph
// that expands exponentially ("billion laughs") or contains itself; real configs have a few hundred
// values and a few levels.
constexpr std::size_t kMaxYamlValues = 100'000;
constexpr std::size_t kMaxYamlDepth = 64;

// One conversion: the file (for messages), the values produced so far, and the mappings and
// sequences from the root to the node being converted (to refuse an alias to one of them).
struct YamlConversion {
  std::string path;
  std::size_t values = 0;
  std::vector<YAML::Node> open;
};

[[noreturn]] void refuse_yaml(const YamlConversion& conversion, const YAML::Node& node, const std::string& what) {
  const YAML::Mark mark = node.Mark();
  throw ConfigError(conversion.path + (mark.is_null() ? std::string() : ": line " + std::to_string(mark.line + 1)) +
                    ": " + what);
}

bool all_digits(const std::string& text, std::size_t begin, std::size_t end) {
  if (begin >= end) return false;
  for (std::size_t i = begin; i < end; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

// [-+]?[0-9]+
bool is_yaml_integer(const std::string& text) {
  const std::size_t sign = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  return all_digits(text, sign, text.size());
}

// [-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)? -- by hand: std::regex recurses per character and
// overflows the stack on a long scalar.
bool is_yaml_real(const std::string& text) {
  std::size_t i = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  const std::size_t int_begin = i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  const bool has_int = i > int_begin;
  if (i < text.size() && text[i] == '.') {
    const std::size_t frac_begin = ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (!has_int && i == frac_begin) return false;
  } else if (!has_int) {
    return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    return all_digits(text, i, text.size());
  }
  return i == text.size();
}

std::size_t first_invalid_utf8_line(const std::string& text);

// A scalar's text, which must be UTF-8 as the file is: yaml-cpp 0.7 writes the escapes \N and \_ of a
// double-quoted string (U+0085, U+00A0) as one byte each, not as UTF-8 (found by the YAML fuzzer), and
// such text would fail every later use.
std::string scalar_text(const YAML::Node& node, const YamlConversion& conversion) {
  std::string text = node.Scalar();
  if (first_invalid_utf8_line(text) > 0) {
    refuse_yaml(conversion, node,
                "an escape in a double-quoted string (\\N or \\_) gives text that is not UTF-8 in this YAML "
                "reader; write the character itself, or leave it out");
  }
  return text;
}

// A YAML scalar typed as YAML 1.2's core schema types it; quoted scalars stay strings.
json yaml_scalar(const YAML::Node& node, const YamlConversion& conversion) {
  const std::string text = scalar_text(node, conversion);
  if (node.Tag() == "!") return text;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (is_yaml_integer(text)) {
    try {
      return std::stoll(text);
    } catch (const std::exception&) {
      return text;
    }
  }
  if (is_yaml_real(text)) {
    errno = 0;
    const double x = std::strtod(text.c_str(), nullptr);
    if (errno == ERANGE && std::isinf(x)) {
      refuse_yaml(conversion, node,
                  "the number " + text.substr(0, 40) + (text.size() > 40 ? "..." : "") +
                      " is too large for a double (beyond about 1.8e308); write a smaller value");
    }
    return x;
  }
  return text;
}

// YAML 1.1's merge key `<<` (plain, not quoted): its value's keys join the mapping.
bool is_merge_key(const YAML::Node& key) { return key.IsScalar() && key.Scalar() == "<<" && key.Tag() != "!"; }

json yaml_to_json(const YAML::Node& node, YamlConversion& conversion) {
  if (++conversion.values > kMaxYamlValues) {
    refuse_yaml(conversion, node,
                "the YAML expands to more than " + std::to_string(kMaxYamlValues) +
                    " values (aliases repeated inside aliases); write the values out instead");
  }
  if (!node.IsMap() && !node.IsSequence()) return node.IsScalar() ? yaml_scalar(node, conversion) : json(nullptr);
  for (const YAML::Node& ancestor : conversion.open) {
    if (ancestor.is(node)) {
      refuse_yaml(conversion, node,
                  "an alias refers to a mapping or sequence that contains it (a cycle); "
                  "an alias may only repeat a value defined before it");
    }
  }
  if (conversion.open.size() >= kMaxYamlDepth) {
    refuse_yaml(conversion, node, "nested more than " + std::to_string(kMaxYamlDepth) + " levels deep");
  }
  conversion.open.push_back(node);
  json result;
  if (node.IsSequence()) {
    result = json::array();
    for (const auto& item : node) result.push_back(yaml_to_json(item, conversion));
  } else {
    result = json::object();
    std::vector<YAML::Node> merges;
    for (const auto& item : node) {
      if (is_merge_key(item.first)) {
        merges.push_back(item.second);
      } else {
        result[scalar_text(item.first, conversion)] = yaml_to_json(item.second, conversion);
      }
    }
    // YAML 1.1 merge: the mapping's own keys win, then the merged mappings in the order written.
    for (const YAML::Node& merge : merges) {
      std::vector<YAML::Node> sources;
      if (merge.IsMap()) {
        sources.push_back(merge);
      } else if (merge.IsSequence()) {
        for (const auto& source : merge) sources.push_back(source);
      }
      if (sources.empty() && !merge.IsSequence()) {
        refuse_yaml(conversion, merge, "a merge key '<<' takes a mapping or a sequence of mappings (<<: *base)");
      }
      for (const YAML::Node& source : sources) {
        if (!source.IsMap()) {
          refuse_yaml(conversion, source, "a merge key '<<' takes a mapping or a sequence of mappings (<<: *base)");
        }
        const json merged = yaml_to_json(source, conversion);
        for (const auto& [key, value] : merged.items()) {
          if (!result.contains(key)) result[key] = value;
        }
      }
    }
  }
  conversion.open.pop_back();
  return result;
}

// The 1-based line of the first byte of `text` that is not UTF-8, or 0 when all of it is.
std::size_t first_invalid_utf8_line(const std::string& text) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') ++line;
    std::size_t length = 0;
    unsigned int code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      length = 2;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      code = c & 0x07;
    } else {
      return line;
    }
    if (i + length > text.size()) return line;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return line;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8 either.
    static constexpr unsigned int kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return line;
    i += length;
  }
  return 0;
}

// The 1-based line of the first control character YAML does not allow in its text (C0 controls but
// tab, line feed and carriage return, and DEL: YAML 1.2's c-printable), or 0 when there is none.
// yaml-cpp reads a NUL byte as another character, which then reached messages as invalid UTF-8.
std::size_t first_control_character_line(const std::string& text, unsigned char& found) {
  std::size_t line = 1;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') ++line;
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      found = c;
      return line;
    }
  }
  return 0;
}

// Where the first documents of a YAML stream start, read with yaml-cpp's event parser: at most three,
// which is enough to tell one document from two, and bounded on purpose. yaml-cpp 0.7 (Debian 12's)
// cannot read some tokens where a value should begin (a ',' there, for one): it reports an empty
// document at that token without consuming it, and again on every call, so YAML::LoadAll() never
// returns and grows memory without bound, and YAML::Load() silently returns what came before the
// token (yaml-cpp issue #1040, fixed upstream after 0.8). A document that starts where the one
// before it started is that: the parser is stuck there.
std::vector<YAML::Mark> document_starts(const std::string& text) {
  struct Starts : YAML::EventHandler {
    std::vector<YAML::Mark> marks;
    void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  } starts;
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  for (int i = 0; i < 3 && parser.HandleNextDocument(starts); ++i) {
  }
  return starts.marks;
}

// "','" for a printable byte, "byte 0x00" otherwise, "the end of the file" past it.
std::string describe_byte(const std::string& text, std::size_t at) {
  if (at >= text.size()) return "the end of the file";
  const auto byte = static_cast<unsigned char>(text[at]);
  if (std::isprint(byte)) return std::string("'") + text[at] + "'";
  char hex[8];
  std::snprintf(hex, sizeof(hex), "0x%02x", byte);
  return std::string("byte ") + hex;
}

}  // namespace

std::optional<json> read_yaml_mapping(const std::string& text, const std::string& path, Problems& problems) {
  try {
    if (const std::size_t line = first_invalid_utf8_line(text); line > 0) {
      problems.error(path, "line " + std::to_string(line) + ": not valid UTF-8 text; save the file as UTF-8");
      return std::nullopt;
    }
    unsigned char control = 0;
    if (const std::size_t line = first_control_character_line(text, control); line > 0) {
      char code[8];
      std::snprintf(code, sizeof(code), "0x%02X", control);
      problems.error(path, "line " + std::to_string(line) + ": control character " + code +
                               " is not allowed in YAML text; remove it (a tab, line feed or carriage return is fine)");
      return std::nullopt;
    }
    YAML::Node root;
    try {
      const std::vector<YAML::Mark> starts = document_starts(text);
      for (std::size_t i = 1; i < starts.size(); ++i) {
        if (starts[i].pos == starts[i - 1].pos) {
          const auto at = static_cast<std::size_t>(starts[i].pos);
          problems.error(path, "line " + std::to_string(starts[i].line + 1) + ", column " +
                                   std::to_string(starts[i].column + 1) + ": invalid YAML: " + describe_byte(text, at) +
                                   " cannot begin a value here");
          return std::nullopt;
        }
      }
      if (starts.size() > 1) {
        problems.error(path, "line " + std::to_string(starts[1].line + 1) +
                                 ": a second YAML document (after '---'); a launch config is one document: remove "
                                 "the '---' and what follows, or merge the two");
        return std::nullopt;
      }
      root = YAML::Load(text);
    } catch (const YAML::DeepRecursion& e) {
      problems.error(path, "line " + std::to_string(e.mark.line + 1) +
                               ": invalid YAML: nested too deeply to read (a config needs a few levels)");
      return std::nullopt;
    } catch (const YAML::Exception& e) {
      problems.error(path, "line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1) +
                               ": invalid YAML: " + e.msg);
      return std::nullopt;
    }
    if (root.IsNull()) return json();  // an empty file says nothing
    if (!root.IsMap()) {
      problems.error(path, "a launch config must be a YAML mapping of keys to values");
      return std::nullopt;
    }
    YamlConversion conversion{path, 0, {}};
    return yaml_to_json(root, conversion);
  } catch (const ConfigError& e) {
    problems.error("", e.what());
    return std::nullopt;
  }
}

}  // namespace zl::config
