// Consolidation: a 2-rank stage-3 checkpoint becomes one Hugging Face GPT-2 safetensors file that the
// runtime's own HF loader (runtime/src/gpt2_checkpoint.cc, used by `train --init_from`) reads back to
// exactly the trained parameters, giving logits identical (==) to the engine's model; names, shapes and
// bytes equal what the runtime's HF writer produces from the same parameters; bf16/fp16 outputs hold
// the fp32 values rounded by the kernels' casts; config.json describes the model. And
// tests/checkpoint/gpt2_reference.py, an independent GPT-2 forward written from Hugging Face's
// definition (in PyTorch when torch is installed, else in plain Python; the backend is printed), reads
// the consolidated file and config.json and reproduces the runtime's logits to 1e-4 absolute (fp32
// summation order and the runtime's fast exp/tanh differ from the reference's at ~1e-6 relative).
// Skipped, with the reason printed, only when python3 itself is missing. Finally, Hugging Face
// transformers' GPT2LMHeadModel loads the consolidated directory and gives the same logits (to 1e-4),
// where a Python with transformers is available (ZL_HF_PYTHON).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "checkpoint_world.h"
#include "subprocess.h"
#include "zl/checkpoint/consolidate.h"
#include "zl/checkpoint/file_io.h"
#include "zl/kernels/cast.h"
#include "zl/runtime/addition_task.h"
#include "zl/runtime/gpt2_checkpoint.h"
#include "zl/runtime/gpt2_model.h"
#include "zl/runtime/parameter_storage.h"
#include "zl/runtime/safetensors.h"

namespace zl::checkpoint {
namespace {

namespace fs = std::filesystem;

struct Trained {
  std::string root;
  std::string checkpoint;
  std::vector<std::vector<float>> parameters;  // per layer, at the save
};

const Trained& trained() {
  static const Trained t = [] {
    Trained out;
    out.root = zl::testing::make_temp_dir("ckpt_consolidate");
    out.checkpoint = out.root + "/ckpt";
    testing::WorldRun run;
    run.stage = 3;
    run.end_step = 5;
    run.save_dir = out.checkpoint;
    run.save_at = {5};
    const auto ranks = testing::run_world(run);
    EXPECT_EQ(ranks[0].error, "");
    out.parameters = ranks[0].final_parameters;
    return out;
  }();
  return t;
}

std::vector<float> logits(runtime::Gpt2Model& model, runtime::ParameterStorage& storage,
                          const std::vector<std::int32_t>& tokens) {
  const int T = static_cast<int>(tokens.size());
  model.forward(storage, tokens.data(), nullptr, 1, T);
  const runtime::Tensor& l = model.logits();
  return {l.f32(), l.f32() + l.numel()};
}

std::vector<std::int32_t> probe_tokens() {
  std::vector<std::int32_t> tokens;
  for (int i = 0; i < 32; ++i) tokens.push_back((i * 37 + 5) % 256);
  return tokens;
}

TEST(Consolidate, Fp32RoundTripThroughTheHfLoaderGivesIdenticalLogits) {
  const Trained& t = trained();
  const std::string out = t.root + "/fp32/model.safetensors";
  fs::create_directories(t.root + "/fp32");
  const ConsolidateResult r = consolidate_checkpoint(t.checkpoint, out, runtime::DType::kF32);
  EXPECT_EQ(r.tensors, 2 + 2 * 12 + 2);

  runtime::Gpt2Model model(testing::test_model());
  runtime::LocalParameterStorage loaded(model.layer_sizes());
  runtime::load_gpt2_safetensors(model, loaded, out);
  runtime::LocalParameterStorage direct(model.layer_sizes());
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const runtime::Tensor p = loaded.acquire(i);
    ASSERT_EQ(std::vector<float>(p.f32(), p.f32() + p.numel()), t.parameters[i]) << "layer " << i;
    std::copy(t.parameters[i].begin(), t.parameters[i].end(), direct.acquire(i).f32());
  }
  EXPECT_EQ(logits(model, loaded, probe_tokens()), logits(model, direct, probe_tokens()));

  // Byte-for-byte the tensors the runtime's own HF writer produces from the same parameters.
  const std::string reference = t.root + "/fp32/reference.safetensors";
  runtime::save_gpt2_safetensors(model, direct, reference);
  const auto a = runtime::SafetensorsFile::read(out);
  const auto b = runtime::SafetensorsFile::read(reference);
  ASSERT_EQ(a.entries().size(), b.entries().size());
  for (const auto& e : b.entries()) {
    const auto* mine = a.find(e.name);
    ASSERT_NE(mine, nullptr) << e.name;
    EXPECT_EQ(mine->shape, e.shape) << e.name;
    EXPECT_EQ(a.to_f32(e.name), b.to_f32(e.name)) << e.name;
  }

  const auto config = nlohmann::json::parse(read_text_file(t.root + "/fp32/config.json"));
  EXPECT_EQ(config.at("model_type"), "gpt2");
  EXPECT_EQ(config.at("n_layer"), 2);
  EXPECT_EQ(config.at("n_embd"), 64);
  EXPECT_EQ(config.at("n_positions"), 32);
  EXPECT_EQ(config.at("vocab_size"), 256);
}

TEST(Consolidate, SixteenBitOutputsHoldTheCastValues) {
  const Trained& t = trained();
  for (const auto dtype : {runtime::DType::kBF16, runtime::DType::kF16}) {
    const std::string sub = t.root + "/" + runtime::to_string(dtype);
    fs::create_directories(sub);
    consolidate_checkpoint(t.checkpoint, sub + "/model.safetensors", dtype);
    const auto file = runtime::SafetensorsFile::read(sub + "/model.safetensors");
    const auto& wte = t.parameters[0];  // layer 0 starts with wte [V, C]: not transposed
    const std::vector<float> got = file.to_f32("transformer.wte.weight");
    ASSERT_EQ(got.size(), 256u * 64u);
    std::vector<std::uint16_t> bits(got.size());
    std::vector<float> expected(got.size());
    if (dtype == runtime::DType::kBF16) {
      kernels::cpu::cast_fp32_to_bf16(wte.data(), bits.data(), bits.size());
      kernels::cpu::cast_bf16_to_fp32(bits.data(), expected.data(), bits.size());
    } else {
      kernels::cpu::cast_fp32_to_fp16(wte.data(), bits.data(), bits.size());
      kernels::cpu::cast_fp16_to_fp32(bits.data(), expected.data(), bits.size());
    }
    EXPECT_EQ(got, expected) << runtime::to_string(dtype);
  }
}

// Debian's interpreter, where python3-torch installs (scripts/install-deps.sh --bench); a python3
// earlier on PATH (pyenv, a venv) may lack torch.
constexpr const char* kPython = "/usr/bin/python3";

// Runs `script` (DIR TOKENS -> flat JSON logits on stdout) with `python` over the consolidated fp32
// checkpoint and compares with the runtime's logits for the same tokens: largest |difference| <= 1e-4.
void expect_logits_agree(const std::string& python, const std::string& script, const std::string& dir) {
  const Trained& t = trained();
  fs::create_directories(dir);
  consolidate_checkpoint(t.checkpoint, dir + "/model.safetensors", runtime::DType::kF32);
  const auto tokens = probe_tokens();
  std::string token_list;
  for (const auto tok : tokens) token_list += (token_list.empty() ? "" : ",") + std::to_string(tok);
  const auto result =
      zl::testing::run_process({python, zl::testing::source_dir() + "/tests/checkpoint/" + script, dir, token_list});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::printf("%s: %s", script.c_str(), result.err.c_str());
  const auto reference = nlohmann::json::parse(result.out).get<std::vector<float>>();

  runtime::Gpt2Model model(testing::test_model());
  runtime::LocalParameterStorage storage(model.layer_sizes());
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    std::copy(t.parameters[i].begin(), t.parameters[i].end(), storage.acquire(i).f32());
  }
  const auto ours = logits(model, storage, tokens);
  ASSERT_EQ(ours.size(), reference.size());
  double worst = 0;
  for (std::size_t i = 0; i < ours.size(); ++i)
    worst = std::max(worst, static_cast<double>(std::fabs(ours[i] - reference[i])));
  EXPECT_LE(worst, 1e-4);
  std::printf("largest |logit difference| against %s: %.3g\n", script.c_str(), worst);
}

TEST(Consolidate, IndependentReferenceForwardAgrees) {
  const auto probe = zl::testing::run_process({kPython, "-c", "import torch"});
  if (probe.exit_code != 0 && probe.err.find("No module named") == std::string::npos) {
    GTEST_SKIP() << "python3 is not available here (" << probe.err.substr(0, 200)
                 << "); the reference comparison is skipped";
  }
  if (probe.exit_code != 0) std::printf("torch is not installed: the reference forward runs in plain Python\n");
  expect_logits_agree(kPython, "gpt2_reference.py", trained().root + "/torch");
}

// The consolidated directory loads in Hugging Face transformers (GPT2LMHeadModel.from_pretrained) and
// its logits equal the runtime's. transformers is not a Debian package: the test runs with the Python
// named by ZL_HF_PYTHON (docs/checkpoints.md shows a venv over Debian's torch), else Debian's python3,
// and skips with the reason when neither can import it.
TEST(Consolidate, LoadsInHuggingFaceTransformersWithTheSameLogits) {
  const char* configured = std::getenv("ZL_HF_PYTHON");
  const std::string python = configured != nullptr && *configured != '\0' ? configured : kPython;
  const auto probe = zl::testing::run_process({python, "-c", "import transformers"});
  if (probe.exit_code != 0) {
    GTEST_SKIP() << "transformers cannot be imported by " << python << " (" << probe.err.substr(0, 200)
                 << "); set ZL_HF_PYTHON to a Python that has it (docs/checkpoints.md)";
  }
  expect_logits_agree(python, "hf_transformers_logits.py", trained().root + "/transformers");
}

}  // namespace
}  // namespace zl::checkpoint
