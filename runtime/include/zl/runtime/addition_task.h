// The built-in training tasks, generated in code so that `train` needs no files: "a+b=" problems over
// two zero-padded decimal operands, one per line, as bytes, with two skills:
//   reverse: "47+38=8374\n" — the operands' digits in reverse order (pure routing by position);
//   add:     "47+38=580\n"  — the sum with digits + 1 digits, least-significant first.
// Fixed positions (and the reversed sum) make every answer digit a function of a few earlier tokens.
// With the default model (4 layers, width 128) and `train`'s defaults, reverse reaches 100% within a
// few hundred steps on every seed tried; add needs the model to learn the digit-sum table and its
// accuracy after 1500 steps depends on the seed (0–85% measured) — see docs/runtime.md.
//
// One operand pair in ten (chosen by a fixed hash of (a, b)) is held out: it never appears in the
// training stream; the validation stream and the exact-match score use held-out pairs only. The score
// continues the prompt "\n" + "47+38=" greedily; the continuation must reproduce the answer line byte for
// byte.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "zl/runtime/generate.h"
#include "zl/runtime/token_dataset.h"

namespace zl::runtime {

enum class TaskSkill { kReverse, kAdd };

// "reverse" | "add"; throws zl::UsageError naming `what` otherwise.
TaskSkill parse_task_skill(const std::string& text, const std::string& what);
const char* to_string(TaskSkill skill);

struct AdditionProblem {
  int a = 0;
  int b = 0;
  int digits = 2;
  TaskSkill skill = TaskSkill::kAdd;
  [[nodiscard]] std::string prompt() const;  // "47+38="
  [[nodiscard]] std::string answer() const;  // "580\n" (add) or "8374\n" (reverse)
};

class AdditionTask {
 public:
  explicit AdditionTask(int digits = 2, TaskSkill skill = TaskSkill::kAdd);

  [[nodiscard]] TaskSkill skill() const { return skill_; }
  [[nodiscard]] int digits() const { return digits_; }
  [[nodiscard]] bool held_out(int a, int b) const;
  [[nodiscard]] std::string description() const;
  // Tokens of one problem line, newline included.
  [[nodiscard]] int line_length() const;
  // The training window `train` uses for the task: the newline before a problem and two problems. Short
  // windows that start at problem boundaries put every problem at the same few positions as the scoring
  // prompt, which a small model with learned absolute positions learns far faster than problems
  // scattered over a 128-token context.
  [[nodiscard]] int window() const { return 2 * line_length() + 1; }
  // Training stream of about train_bytes bytes (training pairs in a fixed pseudo-random order; windows
  // start at the newline before a problem) and a validation stream of held-out pairs; vocabulary 256.
  [[nodiscard]] TokenDataset dataset(std::size_t train_bytes) const;
  // The first n held-out problems in a fixed order (fewer if the task has fewer).
  [[nodiscard]] std::vector<AdditionProblem> evaluation_problems(std::size_t n) const;

 private:
  TaskSkill skill_;
  int digits_;
  int limit_;  // operands are < limit_ = 10^digits
};

struct TaskScore {
  int correct = 0;
  int total = 0;
  [[nodiscard]] double accuracy() const { return total == 0 ? 0.0 : static_cast<double>(correct) / total; }
};

// Greedy exact-match score of `problems` (batched by prompt length).
TaskScore score_task(Gpt2Model& model, ParameterStorage& storage, const std::vector<AdditionProblem>& problems);

}  // namespace zl::runtime
