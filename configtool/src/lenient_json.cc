// Lenient JSON: comments and trailing commas accepted, every other syntax error located and explained.
#include "zl/config/lenient_json.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "zl/base/error.h"

namespace zl::config {
namespace {

// Blanks out a comma that is followed (after whitespace and comments) by '}' or ']', outside strings.
// Replacing by a space instead of erasing keeps every byte offset, so parse errors point at the
// original line and column.
std::string blank_trailing_commas(std::string text) {
  const std::size_t n = text.size();
  std::size_t pending_comma = std::string::npos;
  bool in_string = false;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '/' && i + 1 < n && text[i + 1] == '/') {
      while (i < n && text[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && text[i + 1] == '*') {
      const std::size_t end = text.find("*/", i + 2);
      i = end == std::string::npos ? n : end + 1;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if ((c == '}' || c == ']') && pending_comma != std::string::npos) text[pending_comma] = ' ';
    pending_comma = std::string::npos;
    if (c == ',') pending_comma = i;
    if (c == '"') in_string = true;
  }
  return text;
}

struct Location {
  std::size_t line = 1;
  std::size_t column = 1;
};

Location locate(const std::string& text, std::size_t offset) {
  Location loc;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      loc.column = 1;
    } else {
      ++loc.column;
    }
  }
  return loc;
}

// The word at `offset` (what the parser choked on): an identifier, or a ${...} placeholder.
std::string word_at(const std::string& text, std::size_t offset) {
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::size_t begin = std::min(offset, text.size());
  while (begin > 0 && (is_word(text[begin - 1]) || text[begin - 1] == '$')) --begin;
  if (begin < text.size() && text[begin] == '$') {
    const std::size_t close = text.find('}', begin);
    return close == std::string::npos ? text.substr(begin) : text.substr(begin, close - begin + 1);
  }
  std::size_t end = begin;
  while (end < text.size() && is_word(text[end])) ++end;
  return text.substr(begin, end - begin);
}

std::string hint_for(const std::string& text, std::size_t offset, const std::string& message) {
  if (message.find("unexpected string literal") != std::string::npos &&
      (message.find("expected '}'") != std::string::npos || message.find("expected ']'") != std::string::npos)) {
    return "a ',' is missing before this member (after the value that ends the previous one)";
  }
  const std::string word = word_at(text, offset);
  if (word == "True" || word == "False" || word == "None") {
    return "'" + word + "' is a Python literal; JSON spells it " +
           (word == "None"   ? std::string("null")
            : word == "True" ? std::string("true")
                             : std::string("false"));
  }
  if (word.rfind("${", 0) == 0) {
    return "'" + word + "' is an unfilled template placeholder; substitute a value before using the file";
  }
  if (!word.empty() && (std::isalpha(static_cast<unsigned char>(word[0])) || word[0] == '_')) {
    return "'" + word +
           "' is a bare word, not a JSON value: quote it as a string or replace the placeholder with a number";
  }
  if (message.find("unexpected end of input") != std::string::npos) {
    return "the text ends before the JSON value is complete (an empty file, or a missing '}' or ']')";
  }
  if (message.find("expected end of input") != std::string::npos) {
    return "the text continues after the first complete value; is the opening '{' missing or a value not separated by "
           "','?";
  }
  if (message.find("expected '}'") != std::string::npos || message.find("expected ']'") != std::string::npos) {
    return "a ',' between two members is probably missing";
  }
  return "fix the JSON syntax there";
}

}  // namespace

nlohmann::json parse_lenient_json(const std::string& text, const std::string& origin) {
  const std::string cleaned = blank_trailing_commas(text);
  try {
    return nlohmann::json::parse(cleaned, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the 1-based index of the last byte read: the offending one.
    const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    const Location loc = locate(text, offset);
    std::string detail = e.what();
    const auto colon = detail.find("syntax error");
    if (colon != std::string::npos) detail = detail.substr(colon);
    throw ConfigError(origin + ": line " + std::to_string(loc.line) + ", column " + std::to_string(loc.column) +
                      ": invalid JSON (" + detail + "): " + hint_for(text, offset, detail) +
                      " (comments and trailing commas are accepted)");
  }
}

std::string read_text_file(const std::string& path, const std::string& what) {
  if (std::filesystem::is_directory(path)) throw ConfigError(what + " '" + path + "' is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(what + " '" + path + "' cannot be read (does it exist?)");
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

nlohmann::json read_lenient_json_file(const std::string& path) {
  return parse_lenient_json(read_text_file(path, "config file"), path);
}

}  // namespace zl::config
