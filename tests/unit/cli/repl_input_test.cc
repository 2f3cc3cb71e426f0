// ScanInput: when `stockade repl` sends what was typed and when it asks for
// another line. Each case is what a person types, lines joined by '\n'.
#include "supervisor/cli/repl_input.h"

#include <gtest/gtest.h>

#include <string>

namespace stockade::supervisor {
namespace {

struct Case {
  const char* source;
  InputState expected;
};

void ExpectAll(std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(ScanInput(c.source), c.expected) << "input: " << c.source;
  }
}

TEST(ReplInput, WholeStatementsAreComplete) {
  ExpectAll({
      {"1 + 2", InputState::kComplete},
      {"let x = 41 + 1", InputState::kComplete},
      {"x++", InputState::kComplete},
      {"x--;", InputState::kComplete},
      {"f(1, [2, 3], {a: 4})", InputState::kComplete},
      {"", InputState::kComplete},
      {"   ", InputState::kComplete},
      {"// just a comment", InputState::kComplete},
      {"/* closed */ 1", InputState::kComplete},
      {"a.b?.c", InputState::kComplete},
      {".5 + 1", InputState::kComplete},
      {"1.", InputState::kComplete},
  });
}

TEST(ReplInput, OpenBracketsContinue) {
  ExpectAll({
      {"function f(a) {", InputState::kOpenBracket},
      {"function f(a) {\n  return a * 2;", InputState::kOpenBracket},
      {"function f(a) {\n  return a * 2;\n}", InputState::kComplete},
      {"const xs = [1,", InputState::kOpenBracket},
      {"const xs = [1,\n2]", InputState::kComplete},
      {"f(", InputState::kOpenBracket},
      {"if (a) {\n} else {", InputState::kOpenBracket},
      {"class A {\n  m() { return 1 }\n}", InputState::kComplete},
  });
}

TEST(ReplInput, BracketsInsideStringsCommentsAndRegexesDoNotCount) {
  ExpectAll({
      {"'{'", InputState::kComplete},
      {"\"(\"", InputState::kComplete},
      {"'it\\'s {'", InputState::kComplete},
      {"1 // {", InputState::kComplete},
      {"/* { */ 1", InputState::kComplete},
      {"/[{(]/.test(s)", InputState::kComplete},
      {"s.replace(/\\)/g, '')", InputState::kComplete},
      {"const re = /a[/]b/", InputState::kComplete},
      {"x = a / b / c", InputState::kComplete},
      {"(a + b) / 2", InputState::kComplete},
      {"if (x) /}/.test(s)", InputState::kComplete},
      {"return /{/", InputState::kComplete},
  });
}

TEST(ReplInput, TemplateLiterals) {
  ExpectAll({
      {"`a ${b} c`", InputState::kComplete},
      {"`line one", InputState::kOpenTemplate},
      {"`line one\nline two`", InputState::kComplete},
      {"`${ {a: 1}.a }`", InputState::kComplete},
      {"`${ f(", InputState::kOpenBracket},
      {"`${ `inner ${x}` }`", InputState::kComplete},
      {"`{`", InputState::kComplete},
      {"`\\``", InputState::kComplete},
  });
}

TEST(ReplInput, CommentsAndStringContinuations) {
  ExpectAll({
      {"/* a block", InputState::kOpenComment},
      {"/* a block\nstill */ 1", InputState::kComplete},
      {"'abc\\", InputState::kOpenString},
      {"'abc\\\ndef'", InputState::kComplete},
  });
}

TEST(ReplInput, TrailingOperatorsContinue) {
  ExpectAll({
      {"const f = (a) =>", InputState::kTrailingOperator},
      {"let total = 1 +", InputState::kTrailingOperator},
      {"x = ", InputState::kTrailingOperator},
      {"a &&", InputState::kTrailingOperator},
      {"cond ?", InputState::kTrailingOperator},
      {"obj.", InputState::kTrailingOperator},
      {"if (a)", InputState::kTrailingOperator},
      {"while (i < 3)", InputState::kTrailingOperator},
      {"} else", InputState::kComplete},  // nothing open: the compiler says so
      {"x = typeof", InputState::kTrailingOperator},
      {"x++ +", InputState::kTrailingOperator},
      {"x;", InputState::kComplete},
  });
}

// A wrong "incomplete" costs the person their input (an empty line
// abandons it), so doubtful endings count as complete.
TEST(ReplInput, DoubtfulEndingsAreComplete) {
  ExpectAll({
      {"let m: Map<string, number>", InputState::kComplete},  // TypeScript
      {"map.get(k)!", InputState::kComplete},                 // non-null assertion
      {"promise.catch", InputState::kComplete},               // a keyword as a property
      {"map.delete", InputState::kComplete},
      {"do { i++ } while (i < 3)", InputState::kComplete},
      {"let of = 1; of", InputState::kComplete},
      {"a <", InputState::kComplete},
  });
}

TEST(ReplInput, BrokenInputIsCompleteSoTheCompilerReportsIt) {
  ExpectAll({
      {")", InputState::kComplete},
      {"f(]", InputState::kComplete},
      {"'unterminated", InputState::kComplete},
      {"'newline\ninside'", InputState::kComplete},
      {"x = /unterminated", InputState::kComplete},
  });
}

TEST(ReplInput, NonAsciiNamesAndStrings) {
  ExpectAll({
      {"const café = 'crème {'", InputState::kComplete},
      {"const ñ = {", InputState::kOpenBracket},
      {"`日本 ${語}`", InputState::kComplete},
  });
}

}  // namespace
}  // namespace stockade::supervisor
