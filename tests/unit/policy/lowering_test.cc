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
