// The standard library every worker installs (core-js over Duktape) and the
// event loop of a run (worker/prelude): promises, timers, awaited completion
// values, unhandled rejections, virtual waits charged to the timeout, and
// nothing queued in one run firing in the next. In-process; no seccomp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "worker/deadline.h"
#include "tests/unit/worker/interpreter_fixture.h"

namespace stockade::worker {
namespace {

using EventLoopTest = InterpreterTest;

TEST_F(EventLoopTest, TheStandardLibraryAgentsUseIsThere) {
  EXPECT_EQ(Value("var m = new Map([['a', 1]]); m.set('b', 2);"
                  "[m.size, Array.from(new Set([1, 2, 2, 3])), Object.entries({x: 1}),"
                  " Object.fromEntries([['k', 'v']]), [1, [2, [3]]].flat(2), [1, 2, 3].includes(2),"
                  " 'a'.padStart(3, '-'), 'x-x'.replaceAll('x', 'y'), [5, 6].at(-1),"
                  " [{k: 3}, {k: 4}].find(function (o) { return o.k > 3; }).k]"),
            "[2,[1,2,3],[[\"x\",1]],{\"k\":\"v\"},[1,2,3],true,\"--a\",\"y-y\",6,4]");
  EXPECT_EQ(Value("[typeof Promise, typeof WeakMap, typeof Symbol.iterator, typeof Symbol.asyncIterator,"
                  " typeof structuredClone, typeof URL, btoa('hi'), atob('aGk=')]"),
            "[\"function\",\"function\",\"symbol\",\"symbol\",\"function\",\"function\",\"aGk=\",\"hi\"]");
  EXPECT_EQ(Value("new RegExp('(?<year>\\\\d{4})-(?<month>\\\\d{2})').exec('on 2024-05').groups"),
            "{\"year\":\"2024\",\"month\":\"05\"}");
  EXPECT_EQ(Value("new URL('https://example.com/a?b=1&c=2').searchParams.get('c')"), "\"2\"");
  EXPECT_EQ(Value("structuredClone({a: [1, {b: 2}], d: new Date(0)}).a[1].b"), "2");
  // Stable: equal keys keep their order (ES2019), which Duktape's own sort
  // did not promise.
  EXPECT_EQ(Value("var a = []; for (var i = 0; i < 600; i++) a.push({k: i % 3, i: i});"
                  "a.sort(function (x, y) { return x.k - y.k; });"
                  "a.every(function (o, j) { return j === 0 || a[j - 1].k < o.k || a[j - 1].i < o.i; })"),
            "true");
}

TEST_F(EventLoopTest, DuktapeOwnObjectsAndLoopInternalsAreNotGlobals) {
  EXPECT_EQ(Value("[typeof Duktape, typeof onunhandledrejection, '__core-js_shared__' in globalThis,"
                  " globalThis === this, Object.isFrozen(globalThis), Object.isFrozen(Array.prototype)]"),
            "[\"undefined\",\"undefined\",false,true,false,true]");
  // Duktape's own, in no standard; the web's encoders stay.
  EXPECT_EQ(Value("[typeof CBOR, typeof Buffer, typeof TextEncoder, typeof TextDecoder]"),
            "[\"undefined\",\"undefined\",\"function\",\"function\"]");
}

TEST_F(EventLoopTest, IntrinsicsOnlyCallsReachAreFrozenToo) {
  // No property path leads to the iterator prototypes; the freeze must
  // still have reached them, or one run could rewrite the next one's for-of.
  EXPECT_EQ(Value("var p = Object.getPrototypeOf;"
                  "[[][Symbol.iterator](), new Map().keys(), new Set().values(), ''[Symbol.iterator](),"
                  " 'a'.matchAll(/a/g), new URLSearchParams('a=1').keys()].map(function (it) {"
                  "  return Object.isFrozen(p(it)) && Object.isFrozen(p(p(it))); })"),
            "[true,true,true,true,true,true]");
}

TEST_F(EventLoopTest, CommonOverridesStillWorkOnFrozenBuiltIns) {
  // The override mistake: without the shims each of these would silently
  // do nothing (or throw in strict code), breaking ordinary code.
  EXPECT_EQ(Value("function A() {} A.prototype.toString = function () { return 'an A'; };"
                  "var e = new Error('x'); e.message = 'y'; e.name = 'Custom';"
                  "var o = {}; o.constructor = 1; o.valueOf = function () { return 7; };"
                  "[String(new A()), e.message, String(e), o.constructor, o + 1]"),
            "[\"an A\",\"y\",\"Custom: y\",1,8]");
  EXPECT_EQ(Value("(function () { 'use strict';"
                  " try { Array.prototype.extra = 1; return 'changed'; } catch (e) { return e.name; } })()"),
            "\"TypeError\"");
}

TEST_F(EventLoopTest, PromiseCompletionValuesAreAwaited) {
  EXPECT_EQ(Value("Promise.resolve(20).then(function (v) { return v + 1; }).then(function (v) { return v * 2; })"),
            "42");
  EXPECT_EQ(Value("Promise.all([1, Promise.resolve(2), new Promise(function (r) { setTimeout(r, 5, 3); })])"),
            "[1,2,3]");
  EXPECT_EQ(Value("var log = []; Promise.resolve().then(function () { log.push('micro'); });"
                  "setTimeout(function () { log.push('timer'); }, 0);"
                  "setImmediate(function () { log.push('immediate'); });"
                  "log.push('body'); new Promise(function (r) { setTimeout(function () { r(log); }, 10); })"),
            "[\"body\",\"micro\",\"immediate\",\"timer\"]");
}

TEST_F(EventLoopTest, TimersFireInOrderOfTheirDeadlines) {
  EXPECT_EQ(Value("var log = []; setTimeout(function () { log.push(30); }, 30);"
                  "setTimeout(function () { log.push(10); }, 10);"
                  "var t = setTimeout(function () { log.push('cleared'); }, 20); clearTimeout(t);"
                  "setTimeout(function () { log.push('10 again'); }, 10);"
                  "var n = 0, i = setInterval(function () { log.push('tick'); if (++n === 3) clearInterval(i); }, 12);"
                  "new Promise(function (r) { setTimeout(function () { r(log); }, 100); })"),
            "[10,\"10 again\",\"tick\",\"tick\",30,\"tick\"]");
}

TEST_F(EventLoopTest, WaitsAreVirtualButChargedToTheTimeout) {
  // 800 ms of timers within a 1 s timeout: done at once, not slept.
  const std::int64_t t0 = MonotonicNowNs();
  wire::Result ok = Run(
      "new Promise(function (r) { setTimeout(function () { r('done'); }, 800); })", 1000);
  const std::int64_t elapsed_ms = (MonotonicNowNs() - t0) / 1000000;
  EXPECT_EQ(ok.status(), api::OK) << ok.detail();
  EXPECT_EQ(ok.value_json(), "\"done\"");
  EXPECT_LT(elapsed_ms, 500);
  // A wait past the timeout ends the run as TIMEOUT, also at once.
  wire::Result late = Run("new Promise(function (r) { setTimeout(r, 5000); })", 1000);
  EXPECT_EQ(late.status(), api::TIMEOUT);
  EXPECT_NE(late.detail().find("its timers waited"), std::string::npos) << late.detail();
  // So does an interval that never stops.
  wire::Result forever = Run("setInterval(function () {}, 10); 1", 300);
  EXPECT_EQ(forever.status(), api::TIMEOUT) << forever.detail();
}

TEST_F(EventLoopTest, RejectionsAndCallbacksThatThrowEndTheRun) {
  wire::Result rejected = Run("Promise.reject(new TypeError('bad input'))");
  EXPECT_EQ(rejected.status(), api::RUNTIME_ERROR);
  EXPECT_EQ(rejected.error().name(), "TypeError");
  EXPECT_NE(rejected.detail().find("rejected: TypeError: bad input"), std::string::npos) << rejected.detail();

  wire::Result unhandled = Run("Promise.reject(new Error('nobody listens')); 1");
  EXPECT_EQ(unhandled.status(), api::RUNTIME_ERROR);
  EXPECT_NE(unhandled.detail().find("unhandled promise rejection: Error: nobody listens"), std::string::npos)
      << unhandled.detail();

  // Handled later in the same turn: not unhandled.
  EXPECT_EQ(Value("var p = Promise.reject(new Error('late')); p.catch(function () {}); 'fine'"), "\"fine\"");

  wire::Result thrown = Run("setTimeout(function () { throw new RangeError('in a timer'); }, 1); 1");
  EXPECT_EQ(thrown.status(), api::RUNTIME_ERROR);
  EXPECT_EQ(thrown.error().name(), "RangeError");
}

TEST_F(EventLoopTest, APromiseThatCanNeverSettleEndsAtOnce) {
  const std::int64_t t0 = MonotonicNowNs();
  wire::Result r = Run("new Promise(function () {})", 2000);
  EXPECT_LT((MonotonicNowNs() - t0) / 1000000, 500);
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_NE(r.detail().find("can never settle"), std::string::npos) << r.detail();
}

TEST_F(EventLoopTest, NothingQueuedInOneRunFiresInTheNext) {
  // The first run throws before its loop runs, leaving a timer, an
  // interval, an immediate and a microtask queued.
  wire::Result first = Run(
      "setTimeout(function () { console.log('timer from run 1'); }, 1);"
      "setInterval(function () { console.log('interval from run 1'); }, 1);"
      "setImmediate(function () { console.log('immediate from run 1'); });"
      "queueMicrotask(function () { console.log('microtask from run 1'); });"
      "throw new Error('stop')");
  EXPECT_EQ(first.status(), api::RUNTIME_ERROR);
  sink_.lines.clear();
  EXPECT_EQ(Value("console.log('run 2');"
                  "new Promise(function (r) { setTimeout(function () { r('second'); }, 50); })"),
            "\"second\"");
  EXPECT_EQ(sink_.lines, std::vector<std::string>{"run 2"});
}

// Thousands of timers (up to the cap) fire in order of (deadline, order
// of creation), cleared ones never, at log n a timer: 9,999 timers and as
// many clears run well within a second.
TEST_F(EventLoopTest, ManyTimersFireInOrderAndClearCheaply) {
  EXPECT_EQ(Value("var fired = [], byDue = [], ids = [], expect = [];\n"
                  "function record(i) { fired.push(i); }\n"
                  "for (var i = 0; i < 9999; i++) {\n"
                  "  var due = 1 + (i * 7919) % 500;\n"
                  "  ids.push(setTimeout(record, due, i));\n"
                  "  if (i % 3 !== 0) (byDue[due] = byDue[due] || []).push(i);\n"
                  "}\n"
                  "for (var j = 0; j < ids.length; j += 3) clearTimeout(ids[j]);\n"
                  "for (var d = 0; d < byDue.length; d++) if (byDue[d]) expect = expect.concat(byDue[d]);\n"
                  "new Promise(function (r) { setTimeout(function () {\n"
                  "  var same = fired.length === expect.length;\n"
                  "  for (var k = 0; same && k < fired.length; k++) same = fired[k] === expect[k];\n"
                  "  r([fired.length, same]);\n"
                  "}, 1000); })"),
            "[6666,true]");
  // Clearing immediates one by one, and set/clear churn far past the cap.
  EXPECT_EQ(Value("var ran = 0, ids = [];\n"
                  "for (var i = 0; i < 9999; i++) ids.push(setImmediate(function () { ran++; }));\n"
                  "for (var j = 0; j < ids.length; j += 2) clearImmediate(ids[j]);\n"
                  "for (var k = 0; k < 12000; k++) clearTimeout(setTimeout(function () { ran = -1; }, 5));\n"
                  "new Promise(function (r) { setTimeout(function () { r(ran); }, 10); })"),
            "4999");
}

TEST_F(EventLoopTest, TooManyTimersIsARangeError) {
  wire::Result r = Run("for (var i = 0; i < 20000; i++) setTimeout(function () {}, 1); 1");
  EXPECT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_EQ(r.error().name(), "RangeError");
  EXPECT_EQ(Value("typeof setTimeout(function () {}, 1)"), "\"number\"");
}

}  // namespace
}  // namespace stockade::worker
