// Real workers through the embedded supervisor: results, console streaming,
// errors and limits, each producing its typed outcome.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <vector>

#include "tests/integration/test_support.h"

namespace stockade::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

class SupervisorRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sup_ = StartSupervisor(TestPolicy(2)).release(); }
  static void TearDownTestSuite() {
    delete sup_;
    sup_ = nullptr;
  }
  api::ExecutionResult Run(const std::string& code, std::uint32_t timeout_ms = 0) {
    return sup_->Run(Code(code, timeout_ms));
  }
  static supervisor::Supervisor* sup_;
};
supervisor::Supervisor* SupervisorRun::sup_ = nullptr;

TEST_F(SupervisorRun, ResultValuesOfManyTypes) {
  struct Case {
    const char* code;
    const char* json;
  } cases[] = {
      {"1+1", "2"},
      {"'héllo ✓'", "\"héllo ✓\""},
      {"({a: [1, 2, {b: null}], c: true})", "{\"a\":[1,2,{\"b\":null}],\"c\":true}"},
      {"var x = 2; x * 3", "6"},
      {"[1.5, -0.25, 1e21]", "[1.5,-0.25,1e+21]"},
      {"null", "null"},
      {"false", "false"},
      {"undefined", ""},
      {"(function f() {})", ""},
      {"new Date(0)", "\"1970-01-01T00:00:00.000Z\""},
  };
  for (const Case& c : cases) {
    api::ExecutionResult r = Run(c.code);
    EXPECT_EQ(r.status(), api::OK) << c.code << ": " << r.detail();
    EXPECT_EQ(r.value_json(), c.json) << c.code;
  }
}

TEST_F(SupervisorRun, ConsoleLinesStreamInOrderBeforeTheResult) {
  std::mutex mu;
  std::vector<std::string> seen;
  api::ExecutionResult r = sup_->Run(
      Code("for (var i = 0; i < 50; i++) console.log('line', i); console.error('oops'); 7"),
      [&](const api::ConsoleLine& line) {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back((line.stream() == api::STDERR ? "E:" : "O:") + line.text());
      });
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(r.value_json(), "7");
  ASSERT_EQ(seen.size(), 51u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(seen[i], "O:line " + std::to_string(i));
  EXPECT_EQ(seen[50], "E:oops");
  ASSERT_EQ(r.console_size(), 51);
  EXPECT_EQ(r.console(50).stream(), api::STDERR);
  EXPECT_EQ(r.output().lines(), 51u);
}

TEST_F(SupervisorRun, SyntaxErrorCarriesTheLine) {
  api::ExecutionResult r = Run("var a = 1;\nvar b = ;\n");
  EXPECT_EQ(r.status(), api::SYNTAX_ERROR);
  EXPECT_EQ(r.error().name(), "SyntaxError");
  EXPECT_EQ(r.error().line(), 2u) << r.error().message();
  EXPECT_TRUE(r.session_usable());
}

TEST_F(SupervisorRun, RuntimeErrorCarriesNameMessageStackAndLine) {
  api::ExecutionResult r = Run("function f() {\n  null.x;\n}\nf();\n");
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_EQ(r.error().name(), "TypeError");
  EXPECT_FALSE(r.error().message().empty());
  EXPECT_NE(r.error().stack().find("f"), std::string::npos) << r.error().stack();
  EXPECT_EQ(r.error().line(), 2u);
}

TEST_F(SupervisorRun, InfiniteLoopTimesOutCleanly) {
  const auto t0 = steady_clock::now();
  api::ExecutionResult r = Run("while (true) {}", 200);
  const auto took = steady_clock::now() - t0;
  EXPECT_EQ(r.status(), api::TIMEOUT) << r.detail();
  EXPECT_EQ(r.effective_limits().timeout_ms(), 200u);
  EXPECT_LT(took, milliseconds(2000));
}

TEST_F(SupervisorRun, CatastrophicRegexIsHardKilledAsTimeout) {
  const auto t0 = steady_clock::now();
  api::ExecutionResult r = Run("/^(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')", 200);
  const auto took = steady_clock::now() - t0;
  EXPECT_EQ(r.status(), api::TIMEOUT) << r.detail();
  EXPECT_LT(took, milliseconds(2000));
}

TEST_F(SupervisorRun, MemoryBombEndsWithMemoryLimit) {
  api::ExecutionResult r = Run("var s = 'x'; while (true) { s = s + s; }");
  EXPECT_EQ(r.status(), api::MEMORY_LIMIT) << r.detail();
  api::ExecutionResult arrays = Run(
      "var a = [], s = new Array(1 << 20).join('y'); while (true) { a.push(s + a.length); }");
  EXPECT_EQ(arrays.status(), api::MEMORY_LIMIT) << arrays.detail();
  EXPECT_EQ(Run("1+1").value_json(), "2");  // the pool still serves
}

TEST_F(SupervisorRun, OutputFloodIsTruncatedNotKilled) {
  api::ExecutionResult r = sup_->Run([] {
    api::ExecuteRequest req = Code("for (var i = 0; i < 200000; i++) console.log('flood ' + i); 'done'");
    req.mutable_limits()->set_output_bytes(64 * 1024);
    return req;
  }());
  EXPECT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(r.value_json(), "\"done\"");
  EXPECT_TRUE(r.output().truncated());
  EXPECT_GT(r.output().total_bytes(), 1000000u);
  EXPECT_LE(r.output().kept_bytes(), 64u * 1024 + 1024);
  ASSERT_GT(r.console_size(), 2);
  EXPECT_EQ(r.console(0).text(), "flood 0");
  EXPECT_EQ(r.console(r.console_size() - 1).text(), "flood 199999");
  EXPECT_TRUE(r.console(r.console_size() - 1).after_truncation());
}

TEST(SupervisorIsolation, GlobalStateDoesNotLeakBetweenRunsOnTheSameWorker) {
  // One worker, so both runs certainly land on the same process.
  auto sup = StartSupervisor(TestPolicy(1));
  ASSERT_TRUE(sup);
  for (int i = 0; i < 3; ++i) {
    api::ExecutionResult set = sup->Run(Code(
        "var leaked = 1; globalThis.g = 2; Object.prototype.polluted = 3; "
        "try { Array.prototype.push = null; } catch (e) { } JSON.stringify = null; 'set'"));
    ASSERT_EQ(set.status(), api::OK) << set.detail();
    api::ExecutionResult check = sup->Run(Code(
        "[typeof leaked, typeof g, typeof ({}).polluted, typeof [].push, typeof JSON.stringify]"));
    ASSERT_EQ(check.status(), api::OK) << check.detail();
    EXPECT_EQ(check.worker_id(), set.worker_id());
    EXPECT_EQ(check.value_json(), "[\"undefined\",\"undefined\",\"undefined\",\"function\",\"function\"]");
  }
}

TEST_F(SupervisorRun, NoHostBindingsButConsole) {
  api::ExecutionResult r = Run(
      "[typeof require, typeof process, typeof print, typeof alert, typeof console.log]");
  ASSERT_EQ(r.status(), api::OK);
  EXPECT_EQ(r.value_json(), "[\"undefined\",\"undefined\",\"undefined\",\"undefined\",\"function\"]");
}

TEST_F(SupervisorRun, InvalidRequestsNeverReachAWorker) {
  api::ExecuteRequest big = Code(std::string(200 * 1024, ' '));
  api::ExecutionResult r = sup_->Run(big);
  EXPECT_EQ(r.status(), api::INVALID_REQUEST);
  EXPECT_NE(r.detail().find("bytes"), std::string::npos);
  r = Run(std::string("'\xff\xfe'"));
  EXPECT_EQ(r.status(), api::INVALID_REQUEST);
  EXPECT_NE(r.detail().find("UTF-8"), std::string::npos);
}

TEST_F(SupervisorRun, LimitsAreClampedAndEchoed) {
  api::ExecuteRequest req = Code("1");
  req.mutable_limits()->set_timeout_ms(10'000'000);
  api::ExecutionResult r = sup_->Run(req);
  EXPECT_EQ(r.effective_limits().timeout_ms(), sup_->policy().limits().max_timeout_ms());
  EXPECT_EQ(r.effective_limits().memory_bytes(), sup_->policy().limits().memory_bytes());
}

TEST_F(SupervisorRun, MetricsAreFilledIn) {
  api::ExecutionResult r = Run("var s = 0; for (var i = 0; i < 100000; i++) s += i; console.log(s); s");
  ASSERT_EQ(r.status(), api::OK);
  EXPECT_GT(r.metrics().run_time_us(), 0u);
  EXPECT_GT(r.metrics().peak_memory_bytes(), 0u);
  EXPECT_EQ(r.metrics().output_bytes(), r.output().total_bytes());
  EXPECT_GT(r.execution_id(), 0u);
}

}  // namespace
}  // namespace stockade::testing
