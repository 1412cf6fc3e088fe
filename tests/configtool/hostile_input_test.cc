// Config files built to hurt the loaders (issue 17): self-referring and exponentially expanding YAML
// aliases, numbers no double holds, invalid UTF-8, device files, over-long paths and keys, deep
// nesting, a second YAML document. Each is a ConfigError naming the file (and line) and what is
// wrong, returned promptly; YAML merge keys (`<<: *base`) are read as YAML 1.1 defines them.
#include <gtest/gtest.h>

#include <string>

#include "config_test_files.h"
#include "resolve_outcome.h"
#include "subprocess.h"
#include "zl/config/config_problems.h"
#include "zl/config/resolve.h"

namespace zl::config {
namespace {

using testing_files::Outcome;
using testing_files::resolve_outcome;
using testing_files::write_file;

Outcome resolve_file(const std::string& path) {
  ResolveRequest r;
  r.config_file = path;
  r.read_environment = false;
  r.read_default_files = false;
  return resolve_outcome(r);
}

Outcome resolve_text(const std::string& name, const std::string& text, std::string* path = nullptr) {
  const std::string file = write_file(testing::make_temp_dir("zl_hostile_"), name, text);
  if (path != nullptr) *path = file;
  return resolve_file(file);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(HostileInput, SelfReferringAliasIsACycleErrorNamingTheFileAndLine) {
  std::string path;
  const Outcome o = resolve_text("cycle.yaml", "a: &a\n  b: *a\n", &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path + ": line 1: an alias refers to a mapping or sequence that contains it")) << o.errors;
}

TEST(HostileInput, SelfReferringSequenceAliasIsACycleError) {
  const Outcome o = resolve_text("cycle.yaml", "x: &x [1, *x]\n");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "(a cycle)")) << o.errors;
}

TEST(HostileInput, BillionLaughsStopsAtTheExpansionBound) {
  // 9 levels of 9 aliases each: 9^9 (387 million) strings from a few hundred bytes.
  std::string text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  char previous = 'a';
  for (char c = 'b'; c <= 'i'; ++c) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int k = 0; k < 9; ++k) text += std::string(k == 0 ? "*" : ", *") + previous;
    text += "]\n";
    previous = c;
  }
  std::string path;
  const Outcome o = resolve_text("laughs.yaml", text, &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path + ": line ")) << o.errors;
  EXPECT_TRUE(has(o.errors, "expands to more than 100000 values")) << o.errors;
}

TEST(HostileInput, AliasesWithinTheBoundStillWork) {
  const Outcome o = resolve_text("alias.yaml", "fsdp_config: &n 3\nnum_processes: *n\n");
  ASSERT_TRUE(o.ok) << o.errors;
  EXPECT_EQ(o.config.launch.num_processes, 3);
}

TEST(HostileInput, NestingPastTheDepthBoundIsAnErrorNamingTheFile) {
  std::string text = "fsdp_config: ";
  for (int i = 0; i < 100; ++i) text += "[";
  for (int i = 0; i < 100; ++i) text += "]";
  std::string path;
  const Outcome o = resolve_text("deep.yaml", text + "\n", &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path + ": line 1: nested more than 64 levels deep")) << o.errors;
}

TEST(HostileInput, NestingPastTheParsersLimitIsAnErrorNotBadFile) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += std::string(i, ' ') + "k:\n";
  std::string path;
  const Outcome o = resolve_text("deep.yaml", text + std::string(500, ' ') + "k: 1\n", &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path + ": line ")) << o.errors;
  EXPECT_TRUE(has(o.errors, "nested")) << o.errors;
  EXPECT_FALSE(has(o.errors, "bad file")) << o.errors;
}

TEST(HostileInput, YamlNumberBeyondDoubleNamesFileAndLine) {
  std::string path;
  const Outcome o = resolve_text("big.yaml", "num_processes: 1\ngradient_clipping: 1e400\n", &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path + ": line 2: the number 1e400 is too large for a double")) << o.errors;
}

TEST(HostileInput, JsonNumberBeyondDoubleNamesFileAndLine) {
  std::string path;
  const Outcome o = resolve_text("big.json", "{\n  \"gradient_clipping\": 1e400\n}\n", &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path + ": line 2: a number is too large for a double")) << o.errors;
}

TEST(HostileInput, InvalidUtf8InYamlNamesFileAndLine) {
  std::string path;
  const Outcome o = resolve_text("utf.yaml", "num_processes: 1\nmodel: \"\xff\xfe\"\n", &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path + ": line 2: not valid UTF-8")) << o.errors;
}

TEST(HostileInput, ControlCharactersInYamlNameTheLine) {
  // A NUL inside a key (found by the YAML fuzzer): yaml-cpp read it as another byte, and the message
  // that quoted the key failed as invalid UTF-8 (exit 1, naming no file).
  std::string path;
  const Outcome o =
      resolve_text("nul.yaml", std::string("num_processes: 1\ndeepspeed_multinode\0_launcher: x\n", 50), &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path + ": line 2: control character 0x00 is not allowed in YAML text")) << o.errors;
  EXPECT_FALSE(resolve_text("esc.yaml", "model: small\x1b[31m\n").ok);
  EXPECT_TRUE(resolve_text("tab.yaml", "num_processes:\t1\r\nmodel: small\n").ok) << "tab and CR are fine";
}

TEST(HostileInput, EscapesThatTheYamlReaderTurnsIntoInvalidUtf8AreRefused) {
  // yaml-cpp writes \N (U+0085) and \_ (U+00A0) as single bytes; the messages that quoted them failed.
  for (const char* text : {"model: small\nbogus_key: \"a\\Nb\"\n", "\"key\\_x\": 1\n"}) {
    std::string path;
    const Outcome o = resolve_text("escape.yaml", text, &path);
    ASSERT_FALSE(o.ok) << text;
    EXPECT_TRUE(has(o.errors, "gives text that is not UTF-8")) << o.errors;
    EXPECT_TRUE(has(o.errors, path + ": line ")) << o.errors;
  }
  EXPECT_TRUE(resolve_text("fine.yaml", "model: \"small\\u00e9\"\n").errors.find("UTF-8") == std::string::npos);
}

TEST(HostileInput, OverlongUtf8IsRefusedToo) {
  const Outcome o = resolve_text("utf.yaml", "model: \"\xc0\xaf\"\n");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "line 1: not valid UTF-8")) << o.errors;
}

TEST(HostileInput, DeviceFileAsDeepSpeedConfigIsRefusedByName) {
  std::string path;
  const Outcome o = resolve_text("dev.yaml", "deepspeed_config_file: /dev/zero\n", &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "'/dev/zero' is a device or socket, not a regular file")) << o.errors;
}

TEST(HostileInput, DeviceFileAsConfigFileIsRefusedByName) {
  const Outcome o = resolve_file("/dev/zero");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "'/dev/zero' is a device or socket")) << o.errors;
}

TEST(HostileInput, FileOverTheSizeCapIsRefused) {
  std::string path;
  const Outcome o = resolve_text("huge.yaml", "num_processes: 1\n" + std::string(17u << 20, '#') + "\n", &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path + "' is larger than 16 MiB")) << o.errors;
}

TEST(HostileInput, OverlongRelativeDeepSpeedPathIsAConfigError) {
  std::string path;
  const Outcome o = resolve_text("long.yaml", "deepspeed_config_file: " + std::string(5000, 'd') + "\n", &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path + ": deepspeed_config_file: '")) << o.errors;
  EXPECT_TRUE(has(o.errors, "cannot be read (")) << o.errors;
  EXPECT_FALSE(has(o.errors, "filesystem error")) << o.errors;
}

TEST(HostileInput, OverlongAbsoluteDeepSpeedPathIsAConfigError) {
  std::string long_path;
  for (int i = 0; i < 3000; ++i) long_path += "/d";
  const Outcome o = resolve_text("long.yaml", "deepspeed_config_file: " + long_path + "\n");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "config file '/d/d/d")) << o.errors;
  EXPECT_TRUE(has(o.errors, "cannot be read (")) << o.errors;
}

TEST(HostileInput, OverlongConfigFileFlagIsAConfigError) {
  ResolveRequest r;
  r.config_file = "/" + std::string(5000, 'c') + ".yaml";
  r.read_environment = false;
  r.read_default_files = false;
  const Outcome o = resolve_outcome(r);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "flag --config_file: '/ccc")) << o.errors;
}

TEST(HostileInput, HugeUnknownKeyGetsNoSuggestionAndReturns) {
  const std::string key(8u << 20, 'x');
  std::string path;
  const Outcome o = resolve_text("long_key.json", "{\"" + key + "\": 1}", &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path)) << o.errors.substr(0, 300);
  EXPECT_FALSE(has(o.errors, "did you mean")) << o.errors.substr(0, 300);
}

TEST(HostileInput, DidYouMeanSkipsKeysLongerThanAnyKnownKey) {
  EXPECT_EQ(did_you_mean(std::string(65, 'a'), {std::string(65, 'a')}), "");
  EXPECT_EQ(did_you_mean("train_batch_szie", {"train_batch_size"}), " (did you mean 'train_batch_size'?)");
}

TEST(HostileInput, SecondYamlDocumentIsRefusedWithItsLine) {
  std::string path;
  const Outcome o = resolve_text("two.yaml", "num_processes: 1\n---\nnum_processes: 2\n", &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path + ": line 2: a second YAML document")) << o.errors;  // its '---'
}

// Found by tests/fuzz/config_yaml_fuzzer: yaml-cpp 0.7 cannot read a ',' where a value begins and
// reports an empty document there forever without consuming it. LoadAll() never returned (memory grew
// until the machine ran out); the first document alone read as empty, silently dropping the keys after
// the comma.
TEST(HostileInput, ACommaWhereAValueBeginsIsRefusedWithLineAndColumn) {
  for (const auto& [text, line_column] :
       std::vector<std::pair<std::string, std::string>>{{",\n---\n", "line 1, column 1"},
                                                        {",\nnum_processes: 4\n", "line 1, column 1"},
                                                        {"- a\n,\n", "line 2, column 1"},
                                                        {"&x ,\n", "line 1, column 4"}}) {
    std::string path;
    const Outcome o = resolve_text("comma.yaml", text, &path);
    ASSERT_FALSE(o.ok) << text;
    EXPECT_TRUE(has(o.errors, path + ": " + line_column + ": invalid YAML: ',' cannot begin a value here")) << o.errors;
  }
}

TEST(HostileInput, EmptyDocumentsAreStillOneDocumentOrTwo) {
  EXPECT_TRUE(resolve_text("empty.yaml", "").ok);
  EXPECT_TRUE(resolve_text("marker.yaml", "---\nnum_processes: 2\n").ok);
  std::string path;
  const Outcome o = resolve_text("two_empty.yaml", "---\n---\n", &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path + ": line 2: a second YAML document")) << o.errors;
}

// Found by tests/fuzz/config_yaml_fuzzer (UndefinedBehaviorSanitizer): `port: 5e80` was cast to int64,
// undefined, and reported as port -9223372036854775808. An integer key takes what int64 holds, as an
// integer or an integral float (5e8), and nothing else, in a launch YAML and a DeepSpeed JSON alike.
TEST(HostileInput, IntegersNoInt64HoldsAreTypeErrorsNotWrappedValues) {
  for (const std::string number : {"5e80", "9.3e18", "18446744073709551615", "-1e19"}) {
    std::string path;
    const Outcome yaml = resolve_text("port.yaml", "metrics:\n  port: " + number + "\n", &path);
    ASSERT_FALSE(yaml.ok) << number;
    EXPECT_TRUE(has(yaml.errors, path + ": metrics.port: expected an integer")) << yaml.errors;
    EXPECT_FALSE(has(yaml.errors, "9223372036854775")) << yaml.errors;
    const Outcome json = resolve_text("steps.json", R"({"gradient_accumulation_steps": )" + number + "}", &path);
    ASSERT_FALSE(json.ok) << number;
    EXPECT_TRUE(has(json.errors, "gradient_accumulation_steps")) << json.errors;
    EXPECT_FALSE(has(json.errors, "9223372036854775")) << json.errors;
  }
  EXPECT_TRUE(resolve_text("big.yaml", "metrics:\n  port: 9.5e3\n").ok) << "an integral float is an integer";
}

TEST(HostileInput, MergeKeyFillsAMappingAndExplicitKeysWin) {
  const Outcome o = resolve_text("merge.yaml",
                                 "fsdp_config: &defaults\n  port: 9100\n  bind: 0.0.0.0\n"
                                 "metrics:\n  <<: *defaults\n  port: 9200\n");
  ASSERT_TRUE(o.ok) << o.errors;
  EXPECT_EQ(o.config.launch.metrics.port, 9200);
  EXPECT_EQ(o.config.launch.metrics.bind, "0.0.0.0");
}

TEST(HostileInput, MergeKeySequenceEarlierMappingsWin) {
  const Outcome o = resolve_text("merge.yaml",
                                 "fsdp_config:\n  - &a {port: 9100}\n  - &b {port: 9300, bind: 0.0.0.0}\n"
                                 "metrics:\n  <<: [*a, *b]\n");
  ASSERT_TRUE(o.ok) << o.errors;
  EXPECT_EQ(o.config.launch.metrics.port, 9100);
  EXPECT_EQ(o.config.launch.metrics.bind, "0.0.0.0");
}

TEST(HostileInput, QuotedMergeKeyIsAnOrdinaryKey) {
  const Outcome o = resolve_text("merge.yaml", "base: &b {port: 1}\nmetrics:\n  '<<': *b\n");
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, "metrics.<<: unknown key '<<'")) << o.errors;
}

TEST(HostileInput, MergeKeyOfAScalarIsRefused) {
  std::string path;
  const Outcome o = resolve_text("merge.yaml", "metrics:\n  <<: 3\n", &path);
  ASSERT_FALSE(o.ok);
  EXPECT_TRUE(has(o.errors, path + ": line 2: a merge key '<<' takes a mapping")) << o.errors;
}

TEST(HostileInput, CliExitsTwoForASelfReferringAlias) {
  const std::string file = write_file(testing::make_temp_dir("zl_hostile_"), "cycle.yaml", "a: &a\n  b: *a\n");
  testing::ProcessOptions options;
  options.timeout = std::chrono::seconds(60);
  const auto r = testing::run_process({testing::zlaunch_binary(), "config", "validate", file}, options);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(has(r.err, file + ": line 1: an alias refers")) << r.err;
}

}  // namespace
}  // namespace zl::config
