// A session's state in the worker (worker/prelude/session_state.js): what a
// run leaves in its global is captured when the run ends (capture_session)
// and defined again in a later run's fresh global (session_in_json) — values
// that survive a structured clone, shared references and cycles included,
// `_` the last run's value; top-level functions and classes by source
// (ES5 declarations verified against their bytecode, lowered ones with the
// text the lowering printed; an instance of a kept class keeps its
// prototype); what cannot be kept is named; a version 1 state still
// restores; and a state that cannot be restored or a capture that throws
// fails the run. In-process (a compiler interpreter lowers where needed).
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/worker/interpreter_fixture.h"
#include "worker/function_sources.h"

namespace stockade::worker {
namespace {

class SessionStateTest : public InterpreterTest {
 protected:
  // Runs code in a session whose state is `state` ("" for a new one); the
  // run's result (SessionSummary: its variables and dropped paths).
  wire::Result RunIn(const std::string& state, const std::string& code, std::uint32_t timeout_ms = 2000) {
    wire::Execute ex;
    ex.set_code(code);
    ex.set_session_in_json(state);
    ex.set_capture_session(true);
    return Run(ex, timeout_ms);
  }
  // The encoded state (Result.session_state).
  static std::string StateOf(const wire::Result& r) {
    EXPECT_FALSE(r.session_state().empty()) << SessionSummary(r);
    return r.session_state();
  }
};

TEST_F(SessionStateTest, WhatARunLeavesIsThereInTheNext) {
  wire::Result a = RunIn("",
                         "var n = 1, s = 'text', u, nan = NaN, negz = -0;\n"
                         "var m = new Map(); m.set('k', { x: [1, 2] }); m.set(7, new Set(['a', 'b']));\n"
                         "var d = new Date(86400000), re = /a(b)?/gi, err = new RangeError('bad');\n"
                         "var bytes = new Uint8Array([1, 2, 255]);\n"
                         "var shared = { v: 1 }, pair = [shared, shared], cyc = { name: 'c' }; cyc.self = cyc;\n"
                         "function Point(x) { this.x = x; } var p = new Point(3);\n"
                         "globalThis.implicit = 'kept too';\n"
                         "6 * 7");
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  EXPECT_NE(SessionSummary(a).find("\"dropped\":[]"), std::string::npos) << SessionSummary(a);
  EXPECT_NE(SessionSummary(a).find("{\"name\":\"cyc\",\"bytes\":"), std::string::npos);
  const std::string state = StateOf(a);

  wire::Result b = RunIn(state,
                         "[n, s, typeof u, isNaN(nan), 1 / negz, m.get('k').x[1], m.get(7).has('b'),\n"
                         " d.toISOString(), re.source + '/' + re.flags, err instanceof RangeError, err.message,\n"
                         " bytes instanceof Uint8Array ? Array.prototype.slice.call(bytes) : null,\n"
                         " pair[0] === pair[1], cyc.self === cyc, p.x, p instanceof Point, implicit, _]");
  ASSERT_EQ(b.status(), api::OK) << b.detail();
  EXPECT_EQ(b.value_json(),
            "[1,\"text\",\"undefined\",true,null,2,true,\"1970-01-02T00:00:00.000Z\",\"a(b)?/gi\",true,\"bad\","
            "[1,2,255],true,true,3,true,\"kept too\",42]");
  // A run that produced no value keeps the `_` it had; one that did
  // replaces it.
  wire::Result c = RunIn(StateOf(b), "var later = 2;");
  ASSERT_EQ(c.status(), api::OK);
  EXPECT_EQ(RunIn(StateOf(c), "[_[_.length - 1], later, n]").value_json(), "[42,2,1]");
  EXPECT_EQ(RunIn(StateOf(RunIn(StateOf(c), "'new';")), "_").value_json(), "\"new\"");
  // Nothing leaks into a run outside the session.
  EXPECT_EQ(Value("[typeof n, typeof _, typeof m]"), "[\"undefined\",\"undefined\",\"undefined\"]");
}

TEST_F(SessionStateTest, TopLevelDeclarationsInAFunctionAreCapturedToo) {
  // The top level runs in a function here (a loop), its declarations as
  // accessors on the global: the capture reads them through.
  wire::Result a = RunIn("", "var total = 0;\nfor (var i = 0; i < 4; i++) total += i;\ntotal");
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  EXPECT_EQ(RunIn(StateOf(a), "[total, i, _]").value_json(), "[6,4,6]");
}

TEST_F(SessionStateTest, AStateThatCannotBeRestoredOrKeptFailsTheRun) {
  wire::Result bad = RunIn("{\"v\":99}", "1");
  EXPECT_EQ(bad.status(), api::RUNTIME_ERROR);
  EXPECT_NE(bad.detail().find("the session's state cannot be restored"), std::string::npos) << bad.detail();
  wire::Result dangling = RunIn("{\"v\":1,\"b\":[[\"x\",{\"#\":5}]],\"o\":[]}", "1");
  EXPECT_EQ(dangling.status(), api::RUNTIME_ERROR);
  // Code that does not compile leaves the global untouched, state or not:
  // the next run (perhaps another session's) gets it as it was.
  EXPECT_EQ(RunIn("{\"v\":1,\"b\":[[\"secret\",\"s1\"]],\"o\":[]}", "var x = (;").status(), api::SYNTAX_ERROR);
  EXPECT_EQ(Value("typeof secret"), "\"undefined\"");
  wire::Result getter = RunIn("", "Object.defineProperty(globalThis, 'trap', { enumerable: true,\n"
                                  "  get: function () { throw new Error('no capture'); } }); 1");
  EXPECT_EQ(getter.status(), api::RUNTIME_ERROR);
  EXPECT_NE(getter.detail().find("the session's state cannot be kept: Error: no capture"), std::string::npos)
      << getter.detail();
}

// The capture reads the global's keys from its property table, once,
// before any getter runs: a getter that adds or deletes globals changes
// nothing already read, and index keys are kept like any other.
TEST_F(SessionStateTest, GettersThatChangeTheGlobalDuringTheCaptureAreHarmless) {
  wire::Result a = RunIn("",
                         "this[0] = 'zero'; this['7'] = 7; var before = 1;\n"
                         "Object.defineProperty(this, 'g', { enumerable: true, configurable: true, get: function () {\n"
                         "  for (var i = 0; i < 200; i++) globalThis['added' + i] = i;\n"
                         "  delete globalThis.before; return 5; } });\n"
                         "var after = 2; 'ok'");
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  wire::Result b = RunIn(StateOf(a), "[this[0], this[7], g, after, typeof added0]");
  ASSERT_EQ(b.status(), api::OK) << b.detail();
  EXPECT_EQ(b.value_json(), "[\"zero\",7,5,2,\"undefined\"]");
}

TEST_F(SessionStateTest, TopLevelFunctionsAreKeptBySource) {
  // Run in a function (a loop): the declaration is verified at the top.
  wire::Result a = RunIn("", "var rate = 2;\nfunction scale(x) { return x * rate; }\nscale(3)");
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  EXPECT_NE(SessionSummary(a).find("\"dropped\":[]"), std::string::npos) << SessionSummary(a);
  // Called next run, its free names are the session's globals.
  wire::Result b = RunIn(StateOf(a), "rate = 5;\n[scale(4), typeof scale, scale.name, scale.length]");
  ASSERT_EQ(b.status(), api::OK) << b.detail();
  EXPECT_EQ(b.value_json(), "[20,\"function\",\"scale\",1]");
  // Global code (the program ends in a declaration), and a name the
  // session has already: declared again, the new one is kept.
  wire::Result c = RunIn(StateOf(b), "function scale(x) { return x * rate * 10; }\nvar twice = 0;");
  ASSERT_EQ(c.status(), api::OK) << c.detail();
  EXPECT_EQ(RunIn(StateOf(c), "[scale(1), rate, twice]").value_json(), "[50,5,0]");
  // Code without semicolons (found by `stockade run a.js b.js`).
  wire::Result d = RunIn("", "var xs = [1, 2]\nfunction dbl(v) { return v * 2 }\nfor (var i = 0; i < 1; i++) {}\n");
  ASSERT_EQ(d.status(), api::OK) << d.detail();
  EXPECT_EQ(RunIn(StateOf(d), "xs.map(dbl)").value_json(), "[2,4]") << SessionSummary(d);
}

TEST_F(SessionStateTest, OnlyTheFunctionsDeclarationsMadeAreKept) {
  wire::Result a = RunIn("",
                         "function make(k) { return function (x) { return x + k; }; }\n"
                         "var add2 = make(2), bound = make.bind(null, 1), method = { m: function () {} };\n"
                         "function f() { return 1; }\nvar orig = f;\nf = function () { return 2; };\n"
                         "orig() + f()");
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  const std::string& out = SessionSummary(a);
  for (const char* named : {"add2: a function not declared at top level", "bound: a function not declared at top level",
                            "method.m: a function not declared at top level", "f: a function not declared at top level"}) {
    EXPECT_NE(out.find(named), std::string::npos) << named << " in " << out;
  }
  // The declaration's function is kept through `orig` (and the name f,
  // bound to another function, is not defined again); make is kept.
  EXPECT_EQ(RunIn(StateOf(a), "[orig(), typeof f, make(3)(1), typeof add2, typeof bound, typeof method.m, _]").value_json(),
            "[1,\"undefined\",4,\"undefined\",\"undefined\",\"undefined\",3]");
}

TEST_F(SessionStateTest, FunctionsInObjectsKeepTheirIdentityAndProperties) {
  wire::Result a = RunIn("",
                         "function fmt(x) { return '<' + x + '>'; }\n"
                         "fmt.calls = 3;\nvar cfg = { format: fmt, list: [fmt], byName: new Map([['f', fmt]]) };\n"
                         "for (var i = 0; i < 2; i++) fmt.calls++;\ncfg");
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  wire::Result b = RunIn(StateOf(a), "[cfg.format === fmt, cfg.list[0] === fmt, cfg.byName.get('f') === fmt,\n"
                                     " _.format === fmt, cfg.format('a'), fmt.calls]");
  ASSERT_EQ(b.status(), api::OK) << b.detail();
  EXPECT_EQ(b.value_json(), "[true,true,true,true,\"<a>\",5]");
}

TEST_F(SessionStateTest, AFooledScannerNeverKeepsWrongCode) {
  // After an object literal's } the scanner takes `/` for a regular
  // expression, which here swallows a block's {: it ends t too early. The
  // text does not verify, and t is dropped and named, not kept wrong.
  // Braces in strings, comments and regular expressions are no trouble.
  wire::Result a = RunIn("",
                         "function braces(s) { if (s) /}/.test(s); return s.replace(/[{}]/g, '') + \"}{\" + '\\'}'; }\n"
                         "/* function fake() { } */ for (var i = 0; i < 1; i++) {}\n"
                         "function t() { var a = {}/1; if (a !== 0) { a = 2 /1; } return a; }\n"
                         "t() + braces('{a}')");
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  EXPECT_NE(SessionSummary(a).find("\"dropped\":[\"t: a function whose source could not be recorded\"]"),
            std::string::npos)
      << SessionSummary(a);
  EXPECT_EQ(RunIn(StateOf(a), "[typeof t, braces('{b}'), typeof fake]").value_json(),
            "[\"undefined\",\"b}{'}\",\"undefined\"]");
}

TEST_F(SessionStateTest, FunctionsOutsideASessionCostNothingAndLeaveNothing) {
  EXPECT_EQ(Value("function g() { return 1; }\nfor (var i = 0; i < 2; i++) {}\ng()"), "1");
  // A program may call the natives itself: outside a session they do
  // nothing.
  EXPECT_EQ(Value("__stockade_sources(['l', 'x', function () {}, 'var x = 1', '']); __stockade_hoisted(); 2"), "2");
}

TEST_F(SessionStateTest, AVersion1StateStillRestores) {
  EXPECT_EQ(RunIn("{\"v\":1,\"b\":[[\"x\",1],[\"o\",{\"#\":0}]],\"o\":[{\"t\":\"O\",\"p\":{\"y\":2}}],\"l\":3}",
                  "[x, o.y, _]")
                .value_json(),
            "[1,2,3]");
}

TEST_F(SessionStateTest, FunctionSourcesInAStateAreCheckedAndFailWell) {
  auto expect_unrestorable = [this](const std::string& state) {
    wire::Result r = RunIn(state, "1");
    EXPECT_EQ(r.status(), api::RUNTIME_ERROR) << state;
    EXPECT_NE(r.detail().find("the session's state cannot be restored"), std::string::npos) << r.detail();
  };
  expect_unrestorable("{\"v\":2,\"b\":[[\"f\",{\"f\":0}]],\"o\":[],\"f\":[{\"n\":\"f\",\"s\":\"function f( {\",\"k\":\"e\"}]}");
  expect_unrestorable("{\"v\":2,\"b\":[[\"f\",{\"f\":1}]],\"o\":[],\"f\":[{\"n\":\"f\",\"s\":\"function f() {}\",\"k\":\"e\"}]}");
  expect_unrestorable("{\"v\":2,\"b\":[],\"o\":[],\"f\":[{\"n\":\"a b\",\"s\":\"function f() {}\",\"k\":\"e\"}]}");
  expect_unrestorable("{\"v\":2,\"b\":[],\"o\":[],\"f\":[{\"n\":\"f\",\"s\":\"var f = 1;\",\"k\":\"e\"}]}");
  expect_unrestorable("{\"v\":1,\"b\":[],\"o\":[],\"f\":[]}");
  // A source that throws (its base class is gone) loses that function,
  // named in the run's result, and the session goes on.
  wire::Result lost = RunIn(
      "{\"v\":2,\"b\":[[\"C\",{\"f\":0}],[\"n\",1]],\"o\":[],\"f\":[{\"n\":\"C\",\"s\":\"var C = Gone.extend();\",\"k\":\"l\"}]}",
      "[typeof C, n]");
  ASSERT_EQ(lost.status(), api::OK) << lost.detail();
  EXPECT_EQ(lost.value_json(), "[\"undefined\",1]");
  EXPECT_NE(SessionSummary(lost).find("C: a function that could not be re-created (ReferenceError"),
            std::string::npos)
      << SessionSummary(lost);
  // Re-creating runs inside the run's limits.
  wire::Result spin = RunIn(
      "{\"v\":2,\"b\":[[\"f\",{\"f\":0}]],\"o\":[],\"f\":[{\"n\":\"f\",\"s\":\"for (;;) {}\",\"k\":\"e\"}]}", "1",
      200);
  EXPECT_EQ(spin.status(), api::TIMEOUT) << spin.detail();
}

TEST(FunctionSourcesTest, TheScannerFindsTopLevelDeclarations) {
  const std::string code =
      "var a = function named() {};\nfunction one(x) { function inner() {} return '}' + x; }\n"
      "if (a) { function block() {} }\n// function commented() {}\nfunction two() { return /{/.test('{'); }";
  const std::vector<FunctionCandidate> found = FindTopLevelFunctions(code);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].name, "one");
  EXPECT_EQ(code.substr(found[0].begin, found[0].end - found[0].begin),
            "function one(x) { function inner() {} return '}' + x; }");
  EXPECT_EQ(found[1].name, "two");
  EXPECT_EQ(code.substr(found[1].begin), "function two() { return /{/.test('{'); }");
  EXPECT_TRUE(FindTopLevelFunctions("function f() {}\n'\\u0041'").empty());
  // Without semicolons: a line break after a value ends the statement.
  const std::string asi = "var xs = [1]\nfunction f() {}\nvar g = xs\n/* a\nb */ function h() {}\nvar e =\nfunction no() {}";
  const std::vector<FunctionCandidate> asi_found = FindTopLevelFunctions(asi);
  ASSERT_EQ(asi_found.size(), 2u);
  EXPECT_EQ(asi_found[0].name, "f");
  EXPECT_EQ(asi_found[1].name, "h");
}

// Lowered programs (classes, arrows, async functions): lowered here by a
// compiler interpreter, as a compiler worker would, and run as a session's
// runs.
class LoweredSessionTest : public SessionStateTest {
 protected:
  static void SetUpTestSuite() {
    auto created = Interpreter::Create(512u << 20, &compiler_sink_, {}, /*compiler=*/true);
    ASSERT_TRUE(created.ok()) << created.status().message();
    compiler_ = std::move(created).value().release();
  }
  static void TearDownTestSuite() { delete compiler_; }

  static std::string Quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c == '\n' ? std::string("\\n") : std::string(1, c);
    }
    return out + "\"";
  }
  static std::string Lower(const std::string& source) {
    wire::Execute ex;
    ex.set_code("__stockade_lower(" + Quote(source) + ", \"typescript\").output");
    ex.mutable_limits()->set_timeout_ms(10000);
    ex.mutable_limits()->set_memory_bytes(256u << 20);
    ex.mutable_limits()->set_output_bytes(1u << 20);
    ex.mutable_limits()->set_result_bytes(8u << 20);
    wire::Result r;
    compiler_->Run(ex, &r);
    EXPECT_TRUE(compiler_->PrepareNext().ok());
    EXPECT_EQ(r.status(), api::OK) << r.detail();
    return Unquote(r.value_json());
  }
  wire::Result RunLowered(const std::string& state, const std::string& source) {
    return RunIn(state, Lower(source));
  }

  static inline NullSink compiler_sink_;
  static inline Interpreter* compiler_ = nullptr;
};

TEST_F(LoweredSessionTest, ClassesArrowsAndAsyncFunctionsAreKept) {
  wire::Result a = RunLowered("",
                              "class Shape { constructor(public name: string) {} describe() { return `a ${this.name}`; } }\n"
                              "class Square extends Shape { static made = 0;\n"
                              "  constructor(public side: number) { super('square'); Square.made++; }\n"
                              "  area() { return this.side ** 2; } describe() { return super.describe() + '!'; } }\n"
                              "const double = (x: number) => x * 2;\n"
                              "async function later(x: number) { await null; return double(x); }\n"
                              "const sq = new Square(3);\n"
                              "sq.area()");
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  // TypeScript's helpers are no variables, nothing is dropped.
  EXPECT_NE(SessionSummary(a).find("\"dropped\":[]"), std::string::npos) << SessionSummary(a);
  EXPECT_EQ(SessionSummary(a).find("{\"name\":\"__extends\""), std::string::npos) << SessionSummary(a);
  wire::Result b = RunIn(StateOf(a),
                         "var s2 = new Square(2);\n"
                         "[sq instanceof Square, sq instanceof Shape, sq.area(), sq.describe(), s2.area(),\n"
                         " s2 instanceof Shape, Square.made, double(21)]");
  ASSERT_EQ(b.status(), api::OK) << b.detail();
  EXPECT_EQ(b.value_json(), "[true,true,9,\"a square!\",4,true,2,42]");
  // An async function keeps working (its helpers came along), in a run
  // that is not lowered.
  EXPECT_EQ(RunIn(StateOf(b), "later(4)").value_json(), "8");
  // And in a lowered one with top-level await.
  wire::Result c = RunLowered(StateOf(b), "const got = await later(5);\nclass Late { v = got; }\nconst mk = () => new Late();\ngot");
  ASSERT_EQ(c.status(), api::OK) << c.detail();
  EXPECT_EQ(c.value_json(), "10");
  EXPECT_NE(SessionSummary(c).find("\"dropped\":[]"), std::string::npos) << SessionSummary(c);
  EXPECT_EQ(RunIn(StateOf(c), "[mk().v, mk() instanceof Late, sq.describe()]").value_json(), "[10,true,\"a square!\"]");
}

TEST_F(LoweredSessionTest, WhatIsNotADeclarationsFunctionIsDropped) {
  wire::Result a = RunLowered("", "const adder = (k: number) => (x: number) => x + k;\nconst add1 = adder(1);\n"
                                  "let g = () => 1;\ng = () => 2;\n"
                                  "const o = { m() { return 1; } };\nadd1(1)");
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  const std::string& out = SessionSummary(a);
  for (const char* named : {"add1: a function not declared at top level", "g: a function not declared at top level",
                            "o.m: a function not declared at top level"}) {
    EXPECT_NE(out.find(named), std::string::npos) << named << " in " << out;
  }
  EXPECT_EQ(RunIn(StateOf(a), "[adder(2)(1), typeof add1, typeof g, typeof o.m]").value_json(),
            "[3,\"undefined\",\"undefined\",\"undefined\"]");
}

}  // namespace
}  // namespace stockade::worker
