// Lowering through the embedded API with real confined workers: modern
// JavaScript and TypeScript run with the right values; ES5 takes the fast
// path; syntax errors carry the compiler's position; lowered programs are
// cached per tenant; the policy can turn lowering off.
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "tests/integration/test_support.h"

namespace stockade::testing {
namespace {

api::ExecutionResult RunAs(supervisor::Supervisor& sup, std::string code, const char* language,
                           std::string tenant = "") {
  api::ExecuteRequest r = Code(std::move(code));
  r.set_language(language);
  std::promise<api::ExecutionResult> result;
  supervisor::Supervisor::Callbacks cb;
  cb.on_done = [&result](api::ExecutionResult x) { result.set_value(std::move(x)); };
  cb.tenant = std::move(tenant);
  sup.Submit(std::move(r), std::move(cb));
  return result.get_future().get();
}

class Lowering : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sup_ = StartSupervisor(TestPolicy(1)).release(); }
  static void TearDownTestSuite() { delete sup_; }
  static supervisor::Supervisor* sup_;
};
supervisor::Supervisor* Lowering::sup_ = nullptr;

TEST_F(Lowering, Es5TakesTheFastPath) {
  api::ExecutionResult r = RunAs(*sup_, "var a = [1, 2]; a.concat(3)", "javascript");
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(r.value_json(), "[1,2,3]");
  EXPECT_FALSE(r.lowered());
  EXPECT_EQ(r.metrics().compile_time_us(), 0u);
}

TEST_F(Lowering, ModernJavaScriptIsLoweredAndRuns) {
  api::ExecutionResult r = RunAs(*sup_,
                                 "const pick = ({a, ...rest}) => ({a, n: Object.keys(rest).length});\n"
                                 "class Box { #v = 1; get v() { return this.#v; } }\n"
                                 "const out = [];\n"
                                 "for (const [k, v] of Object.entries({x: 1, y: 2})) out.push(`${k}${v}`);\n"
                                 "async function main() { await null; return [pick({a: 1, b: 2}), new Box().v, out]; }\n"
                                 "main()",
                                 "javascript");
  ASSERT_EQ(r.status(), api::OK) << r.detail() << " " << r.error().excerpt();
  EXPECT_EQ(r.value_json(), "[{\"a\":1,\"n\":1},1,[\"x1\",\"y2\"]]");
  EXPECT_TRUE(r.lowered());
}

TEST_F(Lowering, TypeScriptIsLoweredAndRuns) {
  api::ExecutionResult r = RunAs(*sup_,
                                 "type Item = { name: string; price: number };\n"
                                 "const items: Item[] = [{ name: 'a', price: 3 }, { name: 'b', price: 4 }];\n"
                                 "const total = items.reduce((s: number, i: Item) => s + i.price, 0);\n"
                                 "({ total, names: items.map((i) => i.name) } as const)",
                                 "typescript");
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(r.value_json(), "{\"total\":7,\"names\":[\"a\",\"b\"]}");
  EXPECT_TRUE(r.lowered());
  EXPECT_GT(r.metrics().compile_time_us(), 0u);
}

TEST_F(Lowering, SyntaxErrorsCarryTheCompilersPosition) {
  api::ExecutionResult r = RunAs(*sup_, "const ok = 1;\nconst bad = (x => ;\n", "javascript");
  ASSERT_EQ(r.status(), api::SYNTAX_ERROR) << r.detail();
  EXPECT_EQ(r.error().name(), "SyntaxError");
  EXPECT_EQ(r.error().line(), 2u);
  EXPECT_GT(r.error().column(), 0u);
  EXPECT_NE(r.error().excerpt().find("const bad = (x => ;\n"), std::string::npos) << r.error().excerpt();
  EXPECT_TRUE(r.session_usable());
  api::ExecutionResult ts = RunAs(*sup_, "let n: number = ;", "typescript");
  ASSERT_EQ(ts.status(), api::SYNTAX_ERROR);
  EXPECT_EQ(ts.error().line(), 1u);
  EXPECT_EQ(ts.error().column(), 17u) << ts.error().message();
}

// A lowered run's runtime error speaks of the user's lines, in its line and
// its stack, with no frames of the standard library's; a cached program
// keeps its line map.
TEST_F(Lowering, RuntimeErrorsPointAtTheSourceLines) {
  const std::string code =
      "type Row = { n: number };\n"
      "const rows: Row[] = [{ n: 1 }, { n: 2 }];\n"
      "\n"
      "function check(row: Row): number {\n"
      "  if (row.n > 1) throw new RangeError(`bad row ${row.n}`);\n"
      "  return row.n;\n"
      "}\n"
      "rows.map((r) => check(r));\n";
  for (int attempt = 0; attempt < 2; ++attempt) {
    api::ExecutionResult r = RunAs(*sup_, code, "typescript", "lines");
    ASSERT_EQ(r.status(), api::RUNTIME_ERROR) << r.detail();
    EXPECT_EQ(r.error().name(), "RangeError");
    EXPECT_EQ(r.error().line(), 5u) << r.error().stack();
    EXPECT_NE(r.error().stack().find("(script.ts:5)"), std::string::npos) << r.error().stack();
    EXPECT_NE(r.error().stack().find("(script.ts:8)"), std::string::npos) << r.error().stack();
    EXPECT_EQ(r.error().stack().find("prelude"), std::string::npos) << r.error().stack();
    EXPECT_EQ(r.metrics().compile_time_us() == 0, attempt == 1);
  }
}

TEST_F(Lowering, LoweredProgramsAreCachedPerTenant) {
  const std::string code = "const twice = (x: number) => x * 2;\ntwice(21)";
  api::ExecutionResult first = RunAs(*sup_, code, "typescript", "alice");
  ASSERT_EQ(first.status(), api::OK) << first.detail();
  EXPECT_GT(first.metrics().compile_time_us(), 0u);
  api::ExecutionResult again = RunAs(*sup_, code, "typescript", "alice");
  ASSERT_EQ(again.status(), api::OK);
  EXPECT_EQ(again.value_json(), "42");
  EXPECT_TRUE(again.lowered());
  EXPECT_EQ(again.metrics().compile_time_us(), 0u) << "not served from the cache";
  // Another tenant never gets what alice's lowering produced.
  api::ExecutionResult other = RunAs(*sup_, code, "typescript", "bob");
  ASSERT_EQ(other.status(), api::OK);
  EXPECT_GT(other.metrics().compile_time_us(), 0u);
}

// Modern JavaScript whose lowering is cached skips the attempt on an
// ordinary worker (Duktape refused it before): one run, not two. Either
// way the request is one outcome in the stats (and the daemon's metrics),
// not a SYNTAX_ERROR and then an OK.
TEST_F(Lowering, CachedJavaScriptGoesStraightToItsLoweredProgram) {
  const std::string code = "const sq = (x) => x * x;\n[1, 2, 3].map(sq)";
  supervisor::PoolStats start = sup_->Stats();
  api::ExecutionResult first = RunAs(*sup_, code, "javascript", "carol");
  ASSERT_EQ(first.status(), api::OK) << first.detail();
  supervisor::PoolStats after = sup_->Stats();
  EXPECT_EQ(after.answered_again - start.answered_again, 1u);  // refused, then lowered
  EXPECT_EQ(after.completed - start.completed, 1u);
  EXPECT_EQ(after.outcomes["SYNTAX_ERROR"], start.outcomes["SYNTAX_ERROR"]);
  api::ExecutionResult again = RunAs(*sup_, code, "javascript", "carol");
  ASSERT_EQ(again.status(), api::OK) << again.detail();
  EXPECT_EQ(again.value_json(), "[1,4,9]");
  EXPECT_TRUE(again.lowered());
  EXPECT_EQ(sup_->Stats().answered_again, after.answered_again);
  // Another tenant's first run still tries the worker first.
  ASSERT_EQ(RunAs(*sup_, code, "javascript", "dave").status(), api::OK);
  EXPECT_EQ(sup_->Stats().answered_again - after.answered_again, 1u);
  // Code neither Duktape nor the compiler accepts, JavaScript or
  // TypeScript, is one SYNTAX_ERROR outcome.
  supervisor::PoolStats before_bad = sup_->Stats();
  ASSERT_EQ(RunAs(*sup_, "const x = (;", "javascript", "carol").status(), api::SYNTAX_ERROR);
  ASSERT_EQ(RunAs(*sup_, "let y: number = ;", "typescript", "carol").status(), api::SYNTAX_ERROR);
  supervisor::PoolStats after_bad = sup_->Stats();
  EXPECT_EQ(after_bad.completed - before_bad.completed, 2u);
  EXPECT_EQ(after_bad.outcomes["SYNTAX_ERROR"] - before_bad.outcomes["SYNTAX_ERROR"], 2u);
}

TEST_F(Lowering, UnknownLanguagesAreRefused) {
  api::ExecutionResult r = RunAs(*sup_, "1", "python");
  EXPECT_EQ(r.status(), api::INVALID_REQUEST);
  EXPECT_NE(r.detail().find("language"), std::string::npos);
}

TEST(LoweringOff, SyntaxErrorsStayAndTypeScriptIsRefused) {
  policy::Policy p = TestPolicy(1);
  p.mutable_lowering()->set_enabled(false);
  auto sup = StartSupervisor(p);
  ASSERT_TRUE(sup);
  api::ExecutionResult modern = RunAs(*sup, "const f = () => 1; f()", "javascript");
  EXPECT_EQ(modern.status(), api::SYNTAX_ERROR);
  EXPECT_FALSE(modern.lowered());
  api::ExecutionResult ts = RunAs(*sup, "1", "typescript");
  EXPECT_EQ(ts.status(), api::INVALID_REQUEST);
  EXPECT_NE(ts.detail().find("lowering.enabled"), std::string::npos);
}

}  // namespace
}  // namespace stockade::testing
