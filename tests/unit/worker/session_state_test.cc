// A session's state in the worker (worker/prelude/session_state.js): what a
// run leaves in its global is captured when the run ends (capture_session)
// and defined again in a later run's fresh global (session_in_json) — values
// that survive a structured clone, shared references and cycles included,
// `_` the last run's value; what cannot be kept is named; and a state that
// cannot be restored or a capture that throws fails the run. In-process.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/worker/interpreter_fixture.h"

namespace stockade::worker {
namespace {

class SessionStateTest : public InterpreterTest {
 protected:
  // Runs code in a session whose state is `state` ("" for a new one); the
  // run's session_out_json.
  wire::Result RunIn(const std::string& state, const std::string& code) {
    wire::Execute ex;
    ex.set_code(code);
    ex.set_session_in_json(state);
    ex.set_capture_session(true);
    return Run(ex);
  }
  // The encoded state out of session_out_json ({"state": "...", ...}).
  static std::string StateOf(const wire::Result& r) {
    const std::string& out = r.session_out_json();
    const std::string head = "{\"state\":";
    EXPECT_EQ(out.rfind(head, 0), 0u) << out;
    const std::size_t end = out.find("\",\"variables\":");
    EXPECT_NE(end, std::string::npos) << out;
    return Unquote(out.substr(head.size(), end + 1 - head.size()));
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
  EXPECT_NE(a.session_out_json().find("\"dropped\":[\"Point: a function\"]"), std::string::npos)
      << a.session_out_json();
  EXPECT_NE(a.session_out_json().find("{\"name\":\"cyc\",\"bytes\":"), std::string::npos);
  const std::string state = StateOf(a);

  wire::Result b = RunIn(state,
                         "[n, s, typeof u, isNaN(nan), 1 / negz, m.get('k').x[1], m.get(7).has('b'),\n"
                         " d.toISOString(), re.source + '/' + re.flags, err instanceof RangeError, err.message,\n"
                         " bytes instanceof Uint8Array ? Array.prototype.slice.call(bytes) : null,\n"
                         " pair[0] === pair[1], cyc.self === cyc, p.x, typeof Point, implicit, _]");
  ASSERT_EQ(b.status(), api::OK) << b.detail();
  EXPECT_EQ(b.value_json(),
            "[1,\"text\",\"undefined\",true,null,2,true,\"1970-01-02T00:00:00.000Z\",\"a(b)?/gi\",true,\"bad\","
            "[1,2,255],true,true,3,\"undefined\",\"kept too\",42]");
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

}  // namespace
}  // namespace stockade::worker
