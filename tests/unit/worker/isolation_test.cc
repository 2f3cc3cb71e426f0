// Nothing one run defines may be visible to the next: each run gets a fresh
// global environment with fresh built-ins.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "worker/deadline.h"
#include "worker/interpreter.h"

namespace stockade::worker {
namespace {

class NullSink final : public FrameSink {
 public:
  bool Send(const wire::WorkerFrame&) override { return true; }
};

class IsolationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = Interpreter::Create(64u << 20, &sink_);
    ASSERT_TRUE(created.ok()) << created.status().message();
    interp_ = std::move(created).value();
  }

  std::string Value(const std::string& code) {
    wire::Execute ex;
    ex.set_code(code);
    ex.mutable_limits()->set_timeout_ms(1000);
    wire::Result r;
    interp_->Run(ex, &r);
    EXPECT_TRUE(interp_->PrepareNext().ok());
    EXPECT_EQ(r.status(), api::OK) << code << ": " << r.detail();
    return r.value_json();
  }

  NullSink sink_;
  std::unique_ptr<Interpreter> interp_;
};

TEST_F(IsolationTest, GlobalsDoNotSurvive) {
  Value("var secret = 's1'; globalThis.other = 2; this.third = 3; function fn() {} 1");
  EXPECT_EQ(Value("[typeof secret, typeof other, typeof third, typeof fn]"),
            "[\"undefined\",\"undefined\",\"undefined\",\"undefined\"]");
}

TEST_F(IsolationTest, PrototypePollutionDoesNotSurvive) {
  Value(
      "Object.prototype.polluted = 'yes';"
      "Array.prototype.push = function() { return 'hijacked' };"
      "String.prototype.trim = null;"
      "Function.prototype.call = null;"
      "JSON.stringify = function() { return 'x' };"
      "JSON.parse = null; Math.random = function() { return 4 };"
      "Object.freeze(Object.prototype); 1");
  EXPECT_EQ(Value("var a = []; a.push(1); [({}).polluted === undefined, a.length, ' x '.trim(),"
                  " typeof Function.prototype.call, JSON.stringify({a: 1}),"
                  " Math.random() < 1, Object.isFrozen(Object.prototype)]"),
            "[true,1,\"x\",\"function\",\"{\\\"a\\\":1}\",true,false]");
}

TEST_F(IsolationTest, ConsoleCannotBeReplacedForLaterRuns) {
  Value("console.log = function() { throw 'x' }; console.extra = 1; console = null; 1");
  EXPECT_EQ(Value("console.log('fine'); typeof console.extra"), "\"undefined\"");
}

TEST_F(IsolationTest, ErrorConstructorsAreFresh) {
  Value("Error.prototype.toString = function() { return 'evil' }; TypeError = null; 1");
  EXPECT_EQ(Value("String(new Error('m'))"), "\"Error: m\"");
  EXPECT_EQ(Value("typeof TypeError"), "\"function\"");
}

TEST_F(IsolationTest, ObjectsKeptThroughClosuresCannotBeReached) {
  // The old environment is collected; no reference path leads from a new
  // run back to it.
  Value("var leak = {v: 1}; Object.prototype.getLeak = function() { return leak }; 1");
  EXPECT_EQ(Value("typeof ({}).getLeak"), "\"undefined\"");
}

TEST_F(IsolationTest, PrepareCostIsSmall) {
  // Measures the off-critical-path fresh environment and the warm run.
  wire::Execute ex;
  ex.set_code("1+1");
  ex.mutable_limits()->set_timeout_ms(1000);
  ex.mutable_limits()->set_result_bytes(1000);
  wire::Result r;
  constexpr int kRuns = 2000;
  std::int64_t run_ns = 0, prep_ns = 0;
  for (int i = 0; i < kRuns; ++i) {
    const std::int64_t t0 = MonotonicNowNs();
    interp_->Run(ex, &r);
    const std::int64_t t1 = MonotonicNowNs();
    ASSERT_TRUE(interp_->PrepareNext().ok());
    const std::int64_t t2 = MonotonicNowNs();
    run_ns += t1 - t0;
    prep_ns += t2 - t1;
  }
  EXPECT_EQ(r.value_json(), "2");
  std::printf("  warm run of 1+1: %.1f us; fresh environment: %.1f us; heap %llu bytes\n",
              run_ns / 1e3 / kRuns, prep_ns / 1e3 / kRuns,
              static_cast<unsigned long long>(interp_->heap_bytes()));
  EXPECT_LT(run_ns / kRuns, 1'000'000);  // generous; expected a few us
}

}  // namespace
}  // namespace stockade::worker
