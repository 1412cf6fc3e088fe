// Hugging Face GPT-2 checkpoints: the committed fixture (tests/runtime/fixtures, made by
// make_gpt2_fixture.py from a plain-torch transcription of GPT2LMHeadModel) loads and reproduces its
// logits and loss to 1e-4; save/load round-trips; names without the "transformer." prefix and 16-bit
// files load; shape mismatches and missing tensors are errors naming the tensor.
#include "zl/runtime/gpt2_checkpoint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "subprocess.h"
#include "zl/base/error.h"
#include "zl/runtime/safetensors.h"

namespace zl::runtime {
namespace {

std::string fixture(const std::string& name) { return zl::testing::source_dir() + "/tests/runtime/fixtures/" + name; }

nlohmann::json expected() {
  std::ifstream in(fixture("gpt2_tiny_expected.json"));
  return nlohmann::json::parse(in);
}

TEST(Gpt2Checkpoint, FixtureLogitsAndLossMatchTheTorchReference) {
  const auto exp = expected();
  const auto spec = config::parse_model_spec(exp["model"].get<std::string>(), "fixture");
  Gpt2Model model(spec);
  LocalParameterStorage storage(model.layer_sizes());
  load_gpt2_safetensors(model, storage, fixture("gpt2_tiny.safetensors"));
  const auto tokens = exp["tokens"].get<std::vector<std::int32_t>>();
  const auto targets = exp["targets"].get<std::vector<std::int32_t>>();
  const auto logits = exp["logits"].get<std::vector<double>>();
  const int B = exp["batch"].get<int>();
  const int T = static_cast<int>(tokens.size()) / B;
  model.forward(storage, tokens.data(), nullptr, B, T);
  ASSERT_EQ(model.logits().numel(), static_cast<std::int64_t>(logits.size()));
  double worst = 0;
  for (std::size_t i = 0; i < logits.size(); ++i)
    worst = std::max(worst, std::fabs(model.logits().f32()[i] - logits[i]));
  EXPECT_LT(worst, 1e-4);
  const double loss = model.forward(storage, tokens.data(), targets.data(), B, T) / static_cast<double>(B * T);
  EXPECT_NEAR(loss, exp["loss"].get<double>(), 1e-4);
}

TEST(Gpt2Checkpoint, SaveThenLoadRoundTripsWithAndWithoutPrefix) {
  const auto spec = config::parse_model_spec("1,2,8,4,10", "test");
  Gpt2Model model(spec);
  LocalParameterStorage a(model.layer_sizes()), b(model.layer_sizes());
  model.initialize(a, 5);
  const std::string dir = zl::testing::make_temp_dir("gpt2_ckpt");
  save_gpt2_safetensors(model, a, dir + "/m.safetensors");
  load_gpt2_safetensors(model, b, dir + "/m.safetensors");
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    for (std::int64_t j = 0; j < a.params()[i].numel(); ++j) ASSERT_EQ(a.params()[i].f32()[j], b.params()[i].f32()[j]);
  }
  // Strip the prefix and store bf16: loads, with values rounded to bf16.
  const SafetensorsFile file = SafetensorsFile::read(dir + "/m.safetensors");
  std::vector<std::pair<std::string, Tensor>> stripped;
  for (const auto& e : file.entries()) {
    const auto values = file.to_f32(e.name);
    Tensor t = Tensor::empty(e.shape, DType::kF32, MemoryKind::kBuffers);
    std::copy(values.begin(), values.end(), t.f32());
    stripped.emplace_back(e.name.substr(std::string("transformer.").size()), t.to(DType::kBF16));
  }
  write_safetensors(dir + "/bf16.safetensors", stripped);
  LocalParameterStorage c(model.layer_sizes());
  load_gpt2_safetensors(model, c, dir + "/bf16.safetensors");
  const float original = a.params()[1].f32()[40];
  EXPECT_NEAR(c.params()[1].f32()[40], original, std::fabs(original) / 128);
  std::filesystem::remove_all(dir);
}

TEST(Gpt2Checkpoint, MismatchesNameTheTensorAndTheModelFlag) {
  const auto exp = expected();
  Gpt2Model wrong(config::parse_model_spec("2,2,32,16,65", "test"));  // vocab 65 vs 64
  LocalParameterStorage storage(wrong.layer_sizes());
  try {
    load_gpt2_safetensors(wrong, storage, fixture("gpt2_tiny.safetensors"));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("transformer.wte.weight"), std::string::npos) << what;
    EXPECT_NE(what.find("--model"), std::string::npos) << what;
  }
  Gpt2Model deeper(config::parse_model_spec("3,2,32,16,64", "test"));
  LocalParameterStorage s3(deeper.layer_sizes());
  EXPECT_THROW(load_gpt2_safetensors(deeper, s3, fixture("gpt2_tiny.safetensors")), ConfigError);
  EXPECT_THROW(load_gpt2_safetensors(deeper, s3, "/nonexistent.safetensors"), ConfigError);
}

TEST(Safetensors, CorruptFilesAreConfigErrorsNamingTheFile) {
  const std::string dir = zl::testing::make_temp_dir("safetensors");
  const std::string path = dir + "/bad.safetensors";
  for (const std::string& content : {std::string("abc"), std::string("\xff\x00\x00\x00\x00\x00\x00\x00{}", 10),
                                     std::string("\x02\x00\x00\x00\x00\x00\x00\x00[]", 10)}) {
    std::ofstream(path, std::ios::binary) << content;
    try {
      (void)SafetensorsFile::read(path);
      FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  std::filesystem::remove_all(dir);
}

// A header may say anything: a negative dimension or a shape whose size overflows 64 bits is the
// file's fault, reported as such, not an internal check or undefined arithmetic.
TEST(Safetensors, ShapesThatAreNoTensorSizeAreConfigErrorsNamingTheTensor) {
  for (const std::string shape : {"[-1]", "[4294967296, 4294967296, 4294967296]", "[2, -3]"}) {
    std::string header = R"({"w": {"dtype": "F32", "shape": )" + shape + R"(, "data_offsets": [0, 0]}})";
    std::vector<char> bytes(8, '\0');
    for (std::size_t i = 0, n = header.size(); i < 8; ++i, n >>= 8) bytes[i] = static_cast<char>(n & 0xff);
    bytes.insert(bytes.end(), header.begin(), header.end());
    try {
      (void)SafetensorsFile::parse(bytes, "shapes.safetensors");
      FAIL() << "expected ConfigError for shape " << shape;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("shapes.safetensors: not a valid safetensors file: tensor 'w'"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(Safetensors, ADirectoryOrDeviceIsRefusedBeforeReading) {
  const std::string dir = zl::testing::make_temp_dir("safetensors_dir");
  for (const std::string& path : {dir, std::string("/dev/zero")}) {
    try {
      (void)SafetensorsFile::read(path);
      FAIL() << "expected ConfigError for " << path;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(path + ": not a regular file"), std::string::npos) << e.what();
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zl::runtime
