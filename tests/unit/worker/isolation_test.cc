// Nothing one run defines may be visible to the next: each run gets a fresh
// global object, and the built-ins its bindings point at are frozen once per
// worker (worker/prelude/lockdown.js).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "worker/deadline.h"
#include "tests/unit/worker/interpreter_fixture.h"

namespace stockade::worker {
namespace {

using IsolationTest = InterpreterTest;

TEST_F(IsolationTest, GlobalsDoNotSurvive) {
  Value("var secret = 's1'; globalThis.other = 2; this.third = 3; function fn() {} 1");
  EXPECT_EQ(Value("[typeof secret, typeof other, typeof third, typeof fn]"),
            "[\"undefined\",\"undefined\",\"undefined\",\"undefined\"]");
}

TEST_F(IsolationTest, PrototypePollutionFailsAndLeavesNothingForTheNextRun) {
  // Each attempt on a built-in fails in its own run (the override setters
  // and strict code throw; sloppy assignments to frozen objects do nothing).
  EXPECT_EQ(Value("var tried = [function () { Object.prototype.polluted = 'yes' },"
                  " function () { Array.prototype.push = function() { return 'hijacked' } },"
                  " function () { String.prototype.trim = null },"
                  " function () { Function.prototype.call = null },"
                  " function () { JSON.stringify = function() { return 'x' } },"
                  " function () { Math.random = function() { return 4 } },"
                  " function () { Object.defineProperty(Array.prototype, 'x', {value: 1}) },"
                  " function () { delete Object.prototype.toString }];"
                  "tried.map(function (f) { try { f(); } catch (e) { return e.name } return 'silent' })"),
            "[\"silent\",\"silent\",\"silent\",\"silent\",\"silent\",\"silent\",\"TypeError\","
            "\"silent\"]");
  EXPECT_EQ(Value("var a = []; a.push(1); [({}).polluted === undefined, a.length, ' x '.trim(),"
                  " typeof Function.prototype.call, JSON.stringify({a: 1}),"
                  " Math.random() < 1, [].x, typeof Object.prototype.toString,"
                  " Object.isFrozen(Object.prototype)]"),
            "[true,1,\"x\",\"function\",\"{\\\"a\\\":1}\",true,null,\"function\",true]");
}

TEST_F(IsolationTest, ReplacedGlobalBindingsDoNotSurvive) {
  Value("JSON = null; Array = 1; Promise = undefined; globalThis.Map = 'm'; 1");
  EXPECT_EQ(Value("[typeof JSON.stringify, typeof Array.isArray, typeof Promise.resolve, typeof Map]"),
            "[\"function\",\"function\",\"function\",\"function\"]");
}

TEST_F(IsolationTest, ConsoleCannotBeReplacedForLaterRuns) {
  Value("console.log = function() { throw 'x' }; console.extra = 1; console = null; 1");
  EXPECT_EQ(Value("console.log('fine'); typeof console.extra"), "\"undefined\"");
}

TEST_F(IsolationTest, ErrorConstructorsStayIntact) {
  EXPECT_EQ(Value("try { Error.prototype.toString = function() { return 'evil' } } catch (e) { }"
                  " TypeError = null; typeof TypeError"),
            "\"object\"");
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
