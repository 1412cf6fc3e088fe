// JSON as found in the wild: comments and trailing commas are read; other syntax errors name the line,
// column and what to change.
#include "zl/config/lenient_json.h"

#include <gtest/gtest.h>

#include "zl/base/error.h"

namespace zl::config {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_lenient_json(text, "x.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(LenientJson, CommentsAndTrailingCommasAreAccepted) {
  const auto j =
      parse_lenient_json("// header\n{\n  \"a\": 1, /* inline */\n  \"b\": [1, 2,],\n  \"s\": \"x,}\",\n}\n", "x.json");
  EXPECT_EQ(j.at("a"), 1);
  EXPECT_EQ(j.at("b").size(), 2u);
  EXPECT_EQ(j.at("s"), "x,}");
}

TEST(LenientJson, PythonLiteralIsNamedWithLineAndColumn) {
  const std::string e = error_of("{\n  \"enabled\": True\n}");
  EXPECT_NE(e.find("x.json: line 2, column 14"), std::string::npos) << e;
  EXPECT_NE(e.find("Python literal; JSON spells it true"), std::string::npos) << e;
}

TEST(LenientJson, TemplatePlaceholderAndBareWordsAreExplained) {
  EXPECT_NE(error_of("{\"stage\": ${zero_stage}}").find("unfilled template placeholder"), std::string::npos);
  EXPECT_NE(error_of("{\"train_batch_size\": global_batch_size}").find("'global_batch_size' is a bare word"),
            std::string::npos);
}

TEST(LenientJson, MissingCommaAndMissingBraceAreExplained) {
  const std::string comma = error_of("{\n \"a\": {\"x\": 1}\n \"b\": 2\n}");
  EXPECT_NE(comma.find("line 3"), std::string::npos) << comma;
  EXPECT_NE(comma.find("',' is missing"), std::string::npos) << comma;
  const std::string brace = error_of("\"zero_optimization\": {\"stage\": 3}}");
  EXPECT_NE(brace.find("line 1, column 20"), std::string::npos) << brace;
  EXPECT_NE(brace.find("opening '{' missing"), std::string::npos) << brace;
}

}  // namespace
}  // namespace zl::config
