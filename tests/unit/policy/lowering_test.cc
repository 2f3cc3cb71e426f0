// Lowering decisions (policy/lowering.h): languages, when a JavaScript
// request is lowered, how the source is handed to a compiler, and the
// compiler pool's policy.
#include "policy/lowering.h"

#include <gtest/gtest.h>

#include "policy/policy_loader.h"

namespace stockade::policy {
namespace {

TEST(Lowering, Languages) {
  EXPECT_EQ(ParseLanguage(""), Language::kJavaScript);
  EXPECT_EQ(ParseLanguage("javascript"), Language::kJavaScript);
  EXPECT_EQ(ParseLanguage("typescript"), Language::kTypeScript);
  EXPECT_FALSE(ParseLanguage("TypeScript"));
  EXPECT_FALSE(ParseLanguage("python"));
  EXPECT_EQ(LanguageForFilename("a/b.ts"), Language::kTypeScript);
  EXPECT_EQ(LanguageForFilename("x.tsx"), Language::kTypeScript);
  EXPECT_EQ(LanguageForFilename("x.mts"), Language::kTypeScript);
  EXPECT_EQ(LanguageForFilename("x.js"), Language::kJavaScript);
  EXPECT_EQ(LanguageForFilename("ts"), Language::kJavaScript);
  EXPECT_EQ(LanguageForFilename("-"), Language::kJavaScript);
}

TEST(Lowering, OnlyJavaScriptThatDidNotCompileIsLoweredAfterARun) {
  auto loaded = LoadPolicy("");
  ASSERT_TRUE(loaded.ok());
  Policy p = *loaded;
  api::ExecutionResult syntax;
  syntax.set_status(api::SYNTAX_ERROR);
  api::ExecutionResult runtime;
  runtime.set_status(api::RUNTIME_ERROR);
  EXPECT_TRUE(ShouldLowerAfter(syntax, Language::kJavaScript, p));
  EXPECT_FALSE(ShouldLowerAfter(runtime, Language::kJavaScript, p));
  EXPECT_FALSE(ShouldLowerAfter(syntax, Language::kTypeScript, p));  // it was lowered already
  p.mutable_lowering()->set_enabled(false);
  EXPECT_FALSE(ShouldLowerAfter(syntax, Language::kJavaScript, p));
}

TEST(Lowering, TheSourceIsHandedOverAsData) {
  const std::string call = LoweringCall("a\"); hostile(\"\n\u2028\\", Language::kTypeScript, "x.ts");
  EXPECT_EQ(call, "__stockade_lower(\"a\\\"); hostile(\\\"\\n\\u2028\\\\\", \"typescript\", \"x.ts\")");
}

TEST(Lowering, LoweredLinesAreToldAsTheSourcesLines) {
  // Lowered lines 1-2 are helpers, 3 is the wrapper, 4.. come from source
  // lines 1, 1, 3; line 7 (the wrapper's end) has none of its own.
  const std::vector<std::uint32_t> lines = {0, 0, 0, 1, 1, 3, 0};
  api::ScriptError e;
  e.set_line(6);
  e.set_stack("Error: x\n    at f (a.js:6)\n    at step (a.js:2)\n    at g (other.js:6)\n    at eval (a.js:7)\n"
              "    at h (a.js:99)\n    at (a.js:12x)");
  MapLoweredLines(lines, "a.js", &e);
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.stack(), "Error: x\n    at f (a.js:3)\n    at step (a.js)\n    at g (other.js:6)\n    at eval (a.js:3)\n"
                       "    at h (a.js:3)\n    at (a.js:12x)");
  // Text in the message that looks like a frame is left as it is.
  api::ScriptError m;
  m.set_stack("Error: see (a.js:6)\n    at f (a.js:6)");
  MapLoweredLines(lines, "a.js", &m);
  EXPECT_EQ(m.stack(), "Error: see (a.js:6)\n    at f (a.js:3)");
  // A syntax error in the lowered program: its excerpt and column were of
  // that program.
  api::ScriptError s;
  s.set_line(2);
  s.set_column(5);
  s.set_excerpt("var __x = 1;\n    ^");
  MapLoweredLines(lines, "a.js", &s);
  EXPECT_EQ(s.line(), 0u);
  EXPECT_EQ(s.column(), 0u);
  EXPECT_TRUE(s.excerpt().empty());
}

TEST(Lowering, TheCompilerPoolHasItsOwnLimitsAndNoRedaction) {
  auto loaded = LoadPolicy("strict");
  ASSERT_TRUE(loaded.ok());
  const Policy p = *loaded;
  const Policy c = CompilerPoolPolicy(p);
  EXPECT_EQ(c.pool().size(), p.lowering().workers());
  EXPECT_EQ(c.pool().max_size(), p.lowering().workers());
  EXPECT_EQ(c.limits().memory_bytes(), p.lowering().heap_bytes());
  EXPECT_EQ(c.limits().timeout_ms(), p.lowering().timeout_ms());
  EXPECT_EQ(c.recycle().max_executions(), p.lowering().max_lowerings());
  EXPECT_FALSE(c.redaction().enabled());
  EXPECT_GE(c.limits().code_bytes(), 6 * p.limits().code_bytes());
  EXPECT_GE(c.limits().result_bytes(), p.limits().code_bytes());
  // The worker policy itself is untouched.
  EXPECT_TRUE(p.redaction().enabled());
}

}  // namespace
}  // namespace stockade::policy
