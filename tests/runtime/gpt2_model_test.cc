// Gpt2Model: layer parameter counts equal ModelSpec's for every named size; the whole model's gradient
// (including the tied embedding/head weight, which receives two contributions) matches central finite
// differences on a tiny model; initialization is a function of the seed.
#include "zl/runtime/gpt2_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "zl/base/error.h"

namespace zl::runtime {
namespace {

config::ModelSpec tiny_spec() { return config::parse_model_spec("2,2,8,6,11", "test"); }

TEST(Gpt2Model, LayerParameterCountsMatchTheSpec) {
  for (const auto& spec : config::named_models()) {
    Gpt2Model model(spec);
    EXPECT_EQ(model.layer_sizes(), spec.layer_parameter_counts()) << spec.name;
    EXPECT_EQ(model.layer(1).name(), "h.0.");
    EXPECT_EQ(model.layer(1).parameters()[2].name, "attn.c_attn.weight");
    EXPECT_EQ(model.layer(1).parameters()[2].shape, (Shape{3 * spec.n_embd, spec.n_embd}));
  }
}

TEST(Gpt2Model, InitializationDependsOnlyOnTheSeed) {
  Gpt2Model model(tiny_spec());
  LocalParameterStorage a(model.layer_sizes()), b(model.layer_sizes()), c(model.layer_sizes());
  model.initialize(a, 7);
  model.initialize(b, 7);
  model.initialize(c, 8);
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    for (std::int64_t j = 0; j < a.params()[i].numel(); ++j) ASSERT_EQ(a.params()[i].f32()[j], b.params()[i].f32()[j]);
  }
  EXPECT_NE(a.params()[1].f32()[20], c.params()[1].f32()[20]);
  EXPECT_EQ(a.params()[1].f32()[0], 1.0F);  // ln_1.weight
}

TEST(Gpt2Model, RejectsTokensOutsideTheVocabularyAndLongContexts) {
  Gpt2Model model(tiny_spec());
  LocalParameterStorage storage(model.layer_sizes());
  const std::vector<std::int32_t> tokens = {1, 11, 2};
  EXPECT_THROW(model.forward(storage, tokens.data(), nullptr, 1, 3), zl::Error);
  const std::vector<std::int32_t> long_tokens(7, 0);
  EXPECT_THROW(model.forward(storage, long_tokens.data(), nullptr, 1, 7), zl::Error);
}

TEST(Gpt2Model, WholeModelGradientMatchesFiniteDifferences) {
  const auto spec = tiny_spec();
  Gpt2Model model(spec);
  LocalParameterStorage storage(model.layer_sizes());
  // Larger-than-GPT-2 random weights make every gradient large enough for float differences.
  Rng rng(3);
  for (const Tensor& p : storage.params()) {
    for (std::int64_t i = 0; i < p.numel(); ++i) p.f32()[i] = static_cast<float>(0.3 * rng.normal());
  }
  const int B = 2, T = 5;
  const std::vector<std::int32_t> tokens = {1, 4, 4, 9, 0, 10, 3, 7, 2, 2};
  const std::vector<std::int32_t> targets = {4, 4, 9, 0, 6, 3, 7, 2, 2, 5};
  const double n = B * T;
  auto loss = [&] { return model.forward(storage, tokens.data(), targets.data(), B, T) / n; };
  loss();
  model.backward(storage, static_cast<float>(1.0 / n));
  const float h = 1e-2F;
  int checked = 0, failed = 0;
  for (std::size_t layer = 0; layer < model.layer_count(); ++layer) {
    const Tensor& p = storage.params()[layer];
    const Tensor& g = storage.all_grads()[layer];
    // Every parameter of the small layers; a strided sample (all tensors) of the larger ones.
    const std::int64_t stride = p.numel() > 200 ? 7 : 1;
    for (std::int64_t i = 0; i < p.numel(); i += stride) {
      const float saved = p.f32()[i];
      p.f32()[i] = saved + h;
      const double plus = loss();
      p.f32()[i] = saved - h;
      const double minus = loss();
      p.f32()[i] = saved;
      const double numeric = (plus - minus) / (2.0 * h);
      const double analytic = g.f32()[i];
      ++checked;
      if (std::fabs(analytic - numeric) > 2e-4 + 3e-2 * std::fabs(numeric) && failed++ < 10) {
        ADD_FAILURE() << "layer " << layer << " element " << i << ": analytic " << analytic << " numeric " << numeric;
      }
    }
  }
  EXPECT_EQ(failed, 0) << "of " << checked;
  EXPECT_GT(checked, 300);
}

}  // namespace
}  // namespace zl::runtime
