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
      parse_lenient_json("// header\n{\n  \"a\": 1, /* inline */\n  \"b\": [1, 2,],\n  \"s\": \"x,}\",\n}\n", "x.json")
          .value;
  EXPECT_EQ(j.at("a"), 1);
  EXPECT_EQ(j.at("b").size(), 2u);
  EXPECT_EQ(j.at("s"), "x,}");
}

TEST(LenientJson, HjsonOnlySyntaxIsReportedAndStrictJsonIsNot) {
  EXPECT_EQ(parse_lenient_json("{\"a\": [1, 2], \"s\": \"// not a comment, ]\"}", "x.json").hjson_only, "");
  EXPECT_EQ(parse_lenient_json("{\n\"a\": [1, 2,]\n}", "x.json").hjson_only, "a trailing comma (line 2)");
  EXPECT_EQ(parse_lenient_json("// c\n{\"a\": 1}", "x.json").hjson_only, "comments");
  EXPECT_EQ(parse_lenient_json("{\"a\": 1, /* c */\n}", "x.json").hjson_only, "comments and a trailing comma (line 1)");
}

TEST(LenientJson, DuplicateKeyIsRefusedWithItsPathAndBothLines) {
  const std::string e = error_of("{\n  \"zero_optimization\": {\n    \"stage\": 2,\n    \"stage\": 3\n  }\n}");
  EXPECT_NE(e.find("x.json: key 'zero_optimization.stage' (lines 3 and 4) is written twice"), std::string::npos) << e;
  EXPECT_NE(e.find("Duplicate keys in DeepSpeed config"), std::string::npos) << e;
  // The same name in different objects, or as a value, is no duplicate.
  EXPECT_EQ(
      error_of("{\"a\": {\"stage\": 1}, \"b\": {\"stage\": 1}, \"stage\": \"stage\", \"l\": [{\"x\": 1}, {\"x\": 2}]}"),
      "");
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
