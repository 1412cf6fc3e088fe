// The built-in digit tasks (reverse, add) and their exact-match score (zl/runtime/addition_task.h).
#include "zl/runtime/addition_task.h"

#include <algorithm>
#include <map>

#include "zl/base/check.h"
#include "zl/base/error.h"
#include "zl/runtime/rng.h"

namespace zl::runtime {
namespace {

constexpr std::uint64_t kTaskSeed = 0x5eed0add;  // the task's data is fixed; --seed changes init and order

std::vector<std::int32_t> to_tokens(const std::string& s) { return {s.begin(), s.end()}; }

std::string zero_padded(int value, int width) {
  std::string s = std::to_string(value);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<std::size_t>(width) - s.size(), '0');
  return s;
}

}  // namespace

std::string AdditionProblem::prompt() const {
  std::string s = zero_padded(a, digits);
  s.push_back('+');
  s.append(zero_padded(b, digits));
  s.push_back('=');
  return s;
}

std::string AdditionProblem::answer() const {
  // add: least-significant digit first, so each digit needs only the carry just produced.
  std::string s =
      skill == TaskSkill::kAdd ? zero_padded(a + b, digits + 1) : zero_padded(a, digits) + zero_padded(b, digits);
  std::reverse(s.begin(), s.end());
  s.push_back('\n');
  return s;
}

TaskSkill parse_task_skill(const std::string& text, const std::string& what) {
  if (text == "reverse") return TaskSkill::kReverse;
  if (text == "add") return TaskSkill::kAdd;
  throw UsageError(what + " '" + text + "': expected reverse or add");
}

const char* to_string(TaskSkill skill) { return skill == TaskSkill::kAdd ? "add" : "reverse"; }

AdditionTask::AdditionTask(int digits, TaskSkill skill) : skill_(skill), digits_(digits), limit_(1) {
  ZL_CHECK(digits >= 1 && digits <= 6, "task digits " << digits);
  for (int i = 0; i < digits; ++i) limit_ *= 10;
}

bool AdditionTask::held_out(int a, int b) const {
  return mix64(kTaskSeed ^ (static_cast<std::uint64_t>(a) << 32 | static_cast<std::uint64_t>(b))) % 10 == 0;
}

std::string AdditionTask::description() const {
  const std::string example = AdditionProblem{47, 38, 2, skill_}.prompt() + AdditionProblem{47, 38, 2, skill_}.answer();
  std::string text = "built-in task '";
  text.append(to_string(skill_));
  text.append("' on ");
  text.append(std::to_string(digits_));
  text.append("-digit operands as bytes, e.g. \"");
  text.append(example.substr(0, example.size() - 1));
  text.append("\\n\" (1 pair in 10 held out)");
  return text;
}

int AdditionTask::line_length() const {
  // operands and "+=" (2d + 2), the answer (d + 1 digits for a sum, 2d reversed digits), the newline
  return skill_ == TaskSkill::kAdd ? 3 * digits_ + 4 : 4 * digits_ + 3;
}

TokenDataset AdditionTask::dataset(std::size_t train_bytes) const {
  TokenDataset d;
  Rng rng(kTaskSeed);
  // Windows start at the newline before a problem, as the scoring prompt does ("\n47+38="): every
  // problem then sits at the same positions in every window.
  auto append = [](TokenStream& s, const AdditionProblem& p) {
    if (!s.tokens.empty()) s.sample_starts.push_back(s.tokens.size() - 1);
    for (const char c : p.prompt()) s.tokens.push_back(static_cast<std::uint8_t>(c));
    for (const char c : p.answer()) s.tokens.push_back(static_cast<std::uint8_t>(c));
  };
  while (d.train.tokens.size() < train_bytes) {
    AdditionProblem p{static_cast<int>(rng.below(static_cast<std::uint64_t>(limit_))),
                      static_cast<int>(rng.below(static_cast<std::uint64_t>(limit_))), digits_, skill_};
    if (!held_out(p.a, p.b)) append(d.train, p);
  }
  for (const AdditionProblem& p : evaluation_problems(static_cast<std::size_t>(-1))) append(d.validation, p);
  d.train.vocab_size = d.validation.vocab_size = 256;
  d.train.description = description();
  d.validation.description = description() + " (held-out pairs)";
  return d;
}

std::vector<AdditionProblem> AdditionTask::evaluation_problems(std::size_t n) const {
  std::vector<AdditionProblem> out;
  Rng rng(kTaskSeed + 1);
  // Held-out pairs in a fixed pseudo-random order: enumerate all, then shuffle deterministically.
  for (int a = 0; a < limit_ && out.size() < 200000; ++a) {
    for (int b = 0; b < limit_; ++b) {
      if (held_out(a, b)) out.push_back({a, b, digits_, skill_});
    }
  }
  for (std::size_t i = out.size(); i > 1; --i) std::swap(out[i - 1], out[rng.below(i)]);
  if (out.size() > n) out.resize(n);
  return out;
}

TaskScore score_task(Gpt2Model& model, ParameterStorage& storage, const std::vector<AdditionProblem>& problems) {
  std::map<std::size_t, std::vector<const AdditionProblem*>> by_length;
  for (const auto& p : problems) by_length[p.prompt().size()].push_back(&p);
  TaskScore score;
  for (const auto& [length, group] : by_length) {
    std::vector<std::vector<std::int32_t>> prompts;
    std::size_t longest_answer = 0;
    for (const AdditionProblem* p : group) {
      std::string text(1, '\n');
      text.append(p->prompt());
      prompts.push_back(to_tokens(text));
      longest_answer = std::max(longest_answer, p->answer().size());
    }
    const auto outputs = greedy_continue(model, storage, prompts, static_cast<int>(longest_answer));
    for (std::size_t i = 0; i < group.size(); ++i) {
      const std::string want = group[i]->answer();
      const std::string got(outputs[i].begin(), outputs[i].begin() + static_cast<std::ptrdiff_t>(want.size()));
      score.correct += got == want ? 1 : 0;
      ++score.total;
    }
  }
  return score;
}

}  // namespace zl::runtime
