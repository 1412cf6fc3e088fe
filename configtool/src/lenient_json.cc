// Lenient JSON: comments and trailing commas accepted (and reported), duplicate keys refused, every
// other syntax error located and explained.
#include "zl/config/lenient_json.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <vector>

#include "zl/base/error.h"

namespace zl::config {
namespace {

// The tokens of JSON text that matter to the checks below, outside strings and comments: structural
// characters and strings (with their content). Comments are skipped and counted.
struct Token {
  char kind;  // one of {}[],: or '"' for a string, 'v' for any other value (number, literal)
  std::size_t offset;
  std::size_t line;  // 1-based
  std::string text;  // a string's raw content (escapes kept), empty otherwise
};

struct Scan {
  std::vector<Token> tokens;
  std::size_t comments = 0;
};

Scan scan(const std::string& text) {
  Scan out;
  const std::size_t n = text.size();
  // Lines are counted once, up to each token's offset (tokens come in order): linear in the text.
  std::size_t counted = 0;
  std::size_t line = 1;
  const auto line_at = [&](std::size_t offset) {
    for (; counted < offset; ++counted) line += text[counted] == '\n' ? 1 : 0;
    return line;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[i];
    if (c == '"') {
      const std::size_t begin = i + 1;
      for (++i; i < n && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      out.tokens.push_back({'"', begin - 1, line_at(begin - 1), text.substr(begin, std::min(i, n) - begin)});
      continue;
    }
    if (c == '/' && i + 1 < n && text[i + 1] == '/') {
      ++out.comments;
      while (i < n && text[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && text[i + 1] == '*') {
      ++out.comments;
      const std::size_t end = text.find("*/", i + 2);
      i = end == std::string::npos ? n : end + 1;
      continue;
    }
    if (c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':') {
      out.tokens.push_back({c, i, line_at(i), ""});
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      // A number, literal or stray word: one token for the run.
      out.tokens.push_back({'v', i, line_at(i), ""});
      while (i + 1 < n && std::string_view("{}[],:\"/ \t\r\n").find(text[i + 1]) == std::string_view::npos) ++i;
    }
  }
  return out;
}

// The commas followed by '}' or ']' (trailing commas).
std::vector<Token> trailing_commas(const Scan& scanned) {
  std::vector<Token> commas;
  for (std::size_t t = 0; t + 1 < scanned.tokens.size(); ++t) {
    const char next = scanned.tokens[t + 1].kind;
    if (scanned.tokens[t].kind == ',' && (next == '}' || next == ']')) commas.push_back(scanned.tokens[t]);
  }
  return commas;
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

// The first key written twice in one object, as "<dotted path>" with both lines; "" when none.
// Runs on the tokens of text that parsed, so their sequence is well formed.
std::string first_duplicate_key(const Scan& scanned) {
  struct Frame {
    bool object;
    std::string path;  // dotted path of this container ("" at the top)
    std::map<std::string, std::size_t> key_lines;
    bool expect_key = true;
    std::string last_key;
  };
  std::vector<Frame> frames;
  for (const Token& token : scanned.tokens) {
    switch (token.kind) {
      case '{':
      case '[': {
        std::string path;
        if (!frames.empty()) {
          const Frame& top = frames.back();
          path = top.object ? (top.path.empty() ? top.last_key : top.path + "." + top.last_key) : top.path + "[]";
        }
        frames.push_back(Frame{token.kind == '{', path, {}, true, ""});
        break;
      }
      case '}':
      case ']':
        if (!frames.empty()) frames.pop_back();
        break;
      case ',':
        if (!frames.empty()) frames.back().expect_key = true;
        break;
      case '"': {
        if (frames.empty() || !frames.back().object || !frames.back().expect_key) break;
        Frame& top = frames.back();
        top.expect_key = false;
        top.last_key = token.text;
        const std::size_t line = token.line;
        const auto [it, inserted] = top.key_lines.emplace(token.text, line);
        if (!inserted) {
          const std::string path = top.path.empty() ? token.text : top.path + "." + token.text;
          return "'" + path + "' (lines " + std::to_string(it->second) + " and " + std::to_string(line) + ")";
        }
        break;
      }
      default:
        break;
    }
  }
  return "";
}

// The line of the first number in the text that no double holds (1e400), 0 when none.
std::size_t first_overflowing_number_line(const std::string& text, const Scan& scanned) {
  for (const Token& token : scanned.tokens) {
    if (token.kind != 'v') continue;
    const char c = text[token.offset];
    if (c != '-' && !std::isdigit(static_cast<unsigned char>(c))) continue;
    errno = 0;
    const double x = std::strtod(text.c_str() + token.offset, nullptr);
    if (errno == ERANGE && std::isinf(x)) return token.line;
  }
  return 0;
}

}  // namespace

ParsedJson parse_lenient_json(const std::string& text, const std::string& origin) {
  const Scan scanned = scan(text);
  std::string cleaned = text;
  const std::vector<Token> commas = trailing_commas(scanned);
  // Blanking instead of erasing keeps every byte offset, so parse errors point at the original text.
  for (const Token& comma : commas) cleaned[comma.offset] = ' ';
  ParsedJson parsed;
  try {
    parsed.value = nlohmann::json::parse(cleaned, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
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
  } catch (const nlohmann::json::out_of_range&) {
    // nlohmann reports no position for a number out of range; find it among the scanned values.
    const std::size_t line = first_overflowing_number_line(text, scanned);
    throw ConfigError(origin + (line > 0 ? ": line " + std::to_string(line) : std::string()) +
                      ": a number is too large for a double (beyond about 1.8e308); write a smaller value");
  }
  const std::string duplicate = first_duplicate_key(scanned);
  if (!duplicate.empty()) {
    throw ConfigError(origin + ": key " + duplicate +
                      " is written twice in one object; DeepSpeed rejects such a file (\"Duplicate keys in "
                      "DeepSpeed config\"): keep one of them");
  }
  if (scanned.comments > 0 || !commas.empty()) {
    parsed.hjson_only = std::string(scanned.comments > 0 ? "comments" : "") +
                        (scanned.comments > 0 && !commas.empty() ? " and " : "") +
                        (!commas.empty() ? "a trailing comma (line " + std::to_string(commas.front().line) + ")" : "");
  }
  return parsed;
}

std::string read_text_file(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    const bool missing = !ec || ec == std::errc::no_such_file_or_directory;
    throw ConfigError(what + " '" + path + "' cannot be read (" + (missing ? "does it exist?" : ec.message()) + ")");
  }
  if (fs::is_directory(status)) throw ConfigError(what + " '" + path + "' is a directory, not a file");
  if (fs::is_character_file(status) || fs::is_block_file(status) || fs::is_socket(status)) {
    throw ConfigError(what + " '" + path + "' is a device or socket, not a regular file; name a config file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(what + " '" + path + "' cannot be read (does it exist?)");
  // Read at most one byte past the cap: a pipe or a file still growing cannot make this unbounded.
  // Chunks, not one buffer of the cap's size: a config file is a few KiB, and is read often.
  std::string content;
  char chunk[1 << 16];
  while (content.size() <= kMaxConfigFileBytes && in.read(chunk, sizeof(chunk)).gcount() > 0) {
    content.append(chunk, static_cast<std::size_t>(in.gcount()));
  }
  if (content.size() > kMaxConfigFileBytes) {
    throw ConfigError(what + " '" + path + "' is larger than " + std::to_string(kMaxConfigFileBytes >> 20) +
                      " MiB, too large for a config file");
  }
  return content;
}

ParsedJson read_lenient_json_file(const std::string& path) {
  return parse_lenient_json(read_text_file(path, "config file"), path);
}

}  // namespace zl::config
