// The built-in digit tasks: problems are formatted exactly, held-out pairs never reach the training
// stream, the data is deterministic, and scoring counts exact matches of greedy continuations.
#include "zl/runtime/addition_task.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "zl/base/error.h"

namespace zl::runtime {
namespace {

TEST(AdditionTask, FormatsProblems) {
  EXPECT_EQ((AdditionProblem{47, 38, 2, TaskSkill::kReverse}.answer()), "8374\n");
  EXPECT_EQ((AdditionProblem{5, 3, 2, TaskSkill::kReverse}.answer()), "3050\n");
  EXPECT_EQ(AdditionTask(2, TaskSkill::kReverse).line_length(), 11);
  EXPECT_EQ(AdditionTask(2, TaskSkill::kAdd).line_length(), 10);
  EXPECT_EQ(parse_task_skill("add", "--task"), TaskSkill::kAdd);
  EXPECT_THROW((void)parse_task_skill("mul", "--task"), UsageError);
  const AdditionProblem p{47, 38, 2};
  EXPECT_EQ(p.prompt(), "47+38=");
  EXPECT_EQ(p.answer(), "580\n");
  const AdditionProblem q{5, 3, 2};
  EXPECT_EQ(q.prompt(), "05+03=");
  EXPECT_EQ(q.answer(), "800\n");
  EXPECT_EQ((AdditionProblem{999, 1, 3}.answer()), "0001\n");
}

TEST(AdditionTask, HeldOutPairsNeverAppearInTraining) {
  const AdditionTask task(2, TaskSkill::kAdd);
  const TokenDataset d = task.dataset(50000);
  for (const std::size_t start : d.train.sample_starts) ASSERT_EQ(d.train.tokens[start], '\n');
  EXPECT_GE(d.train.tokens.size(), 50000U);
  const std::string text(d.train.tokens.begin(), d.train.tokens.end());
  std::istringstream lines(text);
  std::string line;
  int seen = 0;
  while (std::getline(lines, line)) {
    int a = 0, b = 0;
    char sum[8] = {};
    ASSERT_EQ(std::sscanf(line.c_str(), "%d+%d=%7s", &a, &b, sum), 3) << line;
    ASSERT_EQ(line.size(), 9U) << line;
    std::string digits(sum);
    std::reverse(digits.begin(), digits.end());
    EXPECT_EQ(a + b, std::stoi(digits)) << line;
    EXPECT_FALSE(task.held_out(a, b)) << line;
    ++seen;
  }
  EXPECT_GT(seen, 4000);
  const auto eval = task.evaluation_problems(100000);
  EXPECT_GT(eval.size(), 700U);  // about 1 in 10 of the 10^4 pairs
  EXPECT_LT(eval.size(), 1300U);
  for (const auto& p : eval) EXPECT_TRUE(task.held_out(p.a, p.b));
  EXPECT_EQ(task.dataset(50000).train.tokens, d.train.tokens);
  EXPECT_EQ(task.evaluation_problems(5)[3].a, eval[3].a);
}

TEST(AdditionTask, ScoreCountsExactMatchesOfGreedyDecoding) {
  // An untrained model of vocab 256 scores something in [0, total]; the count is exact and repeatable.
  const auto spec = config::parse_model_spec("1,1,8,16,256", "test");
  Gpt2Model model(spec);
  LocalParameterStorage storage(model.layer_sizes());
  model.initialize(storage, 1);
  const AdditionTask task(2, TaskSkill::kReverse);
  const auto problems = task.evaluation_problems(12);
  const TaskScore a = score_task(model, storage, problems);
  const TaskScore b = score_task(model, storage, problems);
  EXPECT_EQ(a.total, 12);
  EXPECT_EQ(a.correct, b.correct);
  // Greedy decoding of a prompt is the argmax continuation: one step equals argmax of the logits.
  const std::vector<std::vector<std::int32_t>> prompts = {{'\n', '1', '+', '2', '='}};
  const auto out = greedy_continue(model, storage, prompts, 1);
  model.forward(storage, prompts[0].data(), nullptr, 1, 5);
  const float* row = model.logits().f32() + 4 * 256;
  EXPECT_EQ(out[0][0], std::max_element(row, row + 256) - row);
}

}  // namespace
}  // namespace zl::runtime
