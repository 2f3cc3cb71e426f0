// Programs Duktape runs as they are, run as the body of a function where
// that keeps their meaning (worker/top_level.h): the same completion value,
// declarations global (as accessors over the locals: how a test sees that
// the function ran), `this`, and error lines; global code where a
// function would change the meaning. In-process; no seccomp.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/worker/interpreter_fixture.h"

namespace stockade::worker {
namespace {

using TopLevelTest = InterpreterTest;

// Whether `s` became an accessor on the global: the program ran in a function.
constexpr char kInFunction[] = "typeof (Object.getOwnPropertyDescriptor(globalThis, 's') || {}).get";

TEST_F(TopLevelTest, ALoopingProgramRunsInAFunctionWithItsCompletionValue) {
  EXPECT_EQ(Value("var s = 0;\nfor (var i = 0; i < 10; i++) s += i;\ns"), "45");
  EXPECT_EQ(Value("var s = 0;\nfor (var i = 0; i < 10; i++) s += i;\n[s, " + std::string(kInFunction) + "]"),
            "[45,\"function\"]");
  // A final semicolon, a comment after it, an expression over several lines.
  EXPECT_EQ(Value("var s = 0; for (var i = 0; i < 3; i++) s += i; s; // done\n"), "3");
  EXPECT_EQ(Value("var s = [];\nfor (var i = 0; i < 3; i++) s.push(i);\n({\n  n: s.length,\n  last: s[2]\n});\n"),
            "{\"n\":3,\"last\":2}");
  EXPECT_EQ(Value("var s = 1; while (s < 100) s *= 2; 'done ' + s"), "\"done 128\"");
}

TEST_F(TopLevelTest, DeclarationsStayGlobalAndOneBinding) {
  EXPECT_EQ(Value("var s = 1, t = 2;\nfunction f() { return s + t; }\nfor (var i = 0; i < 2; i++) {}\n"
                  "globalThis.s = 10;\nvar seen = [f(), globalThis.t, typeof globalThis.f, globalThis.i];\n"
                  "t = 5;\nseen.concat([globalThis.t, this === globalThis, " +
                  std::string(kInFunction) + "])"),
            "[12,2,\"function\",2,5,true,\"function\"]");
  // Callbacks that run after the body see and change the same variables.
  EXPECT_EQ(Value("var s = 0;\nsetTimeout(function () { s = 100; }, 5);\n"
                  "for (var i = 0; i < 3; i++) s++;\n"
                  "new Promise(function (r) { setTimeout(function () { r([s, globalThis.s]); }, 10); })"),
            "[100,100]");
}

TEST_F(TopLevelTest, ErrorsKeepTheirLines) {
  wire::Result r = Run("var s = 0;\nfor (var i = 0; i < 3; i++) s += i;\nfunction f() {\n  return null.x;\n}\nf()");
  ASSERT_EQ(r.status(), api::RUNTIME_ERROR);
  EXPECT_EQ(r.error().line(), 4u) << r.error().stack();
  EXPECT_NE(r.error().stack().find("(script.js:6)"), std::string::npos) << r.error().stack();
}

// Where a function would change what the program means, it stays global
// code: still right, only not faster.
TEST_F(TopLevelTest, ProgramsAFunctionWouldChangeStayGlobalCode) {
  // Ends in a statement that is not an expression: its completion value is
  // the loop body's.
  EXPECT_EQ(Value("var s = 0;\nfor (var i = 0; i < 3; i++) { s += i; }"), "3");
  EXPECT_EQ(Value("var s = 0;\nfor (var i = 0; i < 3; i++) s += i;\n" + std::string(kInFunction)),
            "\"function\"");
  // (Duktape's ES5 completion: an if that runs nothing keeps the value
  // before it.)
  EXPECT_EQ(Value("var s = 0;\nfor (var i = 0; i < 3; i++) s += i;\nif (s > 100)\ns"), "3");
  // A line that continues the one before it is not a statement of its own.
  EXPECT_EQ(Value("var s = 2\nfor (var i = 0; i < 3; i++) s += i\n+ 1;\ns"), "8");
  EXPECT_EQ(Value("var s = 0; for (var i = 0; i < 3; i++) s += i;\nvar t = function (x) { return x * 2; }\n(21)"),
            "3");
  EXPECT_EQ(Value("var s = 0; for (var i = 0; i < 3; i++) s += i;\nvar t = [5, 6]\n[1]"), "3");
  // A semicolon in a comment or a string is not where a statement starts.
  EXPECT_EQ(Value("var s = function (x) { return x * 2; };\nfor (var i = 0; i < 3; i++) {}\nvar t = s // one;\n(7);\n[t]"),
            "[14]");
  EXPECT_EQ(Value("var s = [0]; for (var i = 0; i < 3; i++) s[0] += i;\ns[0] + ';(4)'.length"), "7");
  // eval and arguments mean something else inside a function; a directive
  // must stay first; undefined cannot be a local.
  EXPECT_EQ(Value("var s = 1; for (var i = 0; i < 2; i++) s++;\neval('s')"), "3");
  EXPECT_EQ(Value("var s = 1; for (var i = 0; i < 2; i++) s++;\n" + std::string(kInFunction)), "\"function\"");
  EXPECT_EQ(Value("'use strict';\nvar s = 1; for (var i = 0; i < 2; i++) s++;\n" + std::string(kInFunction)),
            "\"undefined\"");
  EXPECT_EQ(Value("var s = 1, undefined = 3; for (var i = 0; i < 2; i++) s++;\n[typeof undefined, " +
                  std::string(kInFunction) + "]"),
            "[\"undefined\",\"undefined\"]");
  EXPECT_EQ(Value("var s = 1; for (var i = 0; i < 2; i++) s++;\ntypeof arguments"), "\"undefined\"");
  // A var of a name the global has keeps its value, as in global code.
  EXPECT_EQ(Value("var console = console || { log: null };\nfor (var s = 0; s < 2; s++) {}\ntypeof console.log"),
            "\"function\"");
  // Only a final semicolon is dropped from the last statement: one in a
  // regular expression is part of it (found by review).
  EXPECT_EQ(Value("for(;;){break}\nvar s = \"a;b\"\ns.split(/;*/)\nif (/x*/) + 1"), "1");
}

}  // namespace
}  // namespace stockade::worker
