// A compiler worker's interpreter (Init.compiler): TypeScript's emitter,
// loaded from bytecode over the hardened standard library, lowers modern
// JavaScript and TypeScript to ES5 that an ordinary worker then runs with
// the right values. In-process; no seccomp.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "worker/deadline.h"
#include "tests/unit/worker/interpreter_fixture.h"

namespace stockade::worker {
namespace {

// A JSON string literal, as the supervisor embeds untrusted source.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

class LoweringTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::int64_t t0 = MonotonicNowNs();
    auto created = Interpreter::Create(512u << 20, &sink_, {}, /*compiler=*/true);
    ASSERT_TRUE(created.ok()) << created.status().message();
    compiler_ = std::move(created).value().release();
    std::printf("  compiler interpreter ready in %.0f ms, heap %.1f MiB\n", (MonotonicNowNs() - t0) / 1e6,
                compiler_->heap_bytes() / 1048576.0);
    auto runner = Interpreter::Create(64u << 20, &sink_);
    ASSERT_TRUE(runner.ok()) << runner.status().message();
    runner_ = std::move(runner).value().release();
  }
  static void TearDownTestSuite() {
    delete compiler_;
    delete runner_;
  }

  static wire::Result Run(Interpreter* interp, const std::string& code, std::uint32_t timeout_ms = 5000) {
    wire::Execute ex;
    ex.set_code(code);
    ex.mutable_limits()->set_timeout_ms(timeout_ms);
    ex.mutable_limits()->set_memory_bytes(256u << 20);
    ex.mutable_limits()->set_output_bytes(1u << 20);
    ex.mutable_limits()->set_result_bytes(8u << 20);
    wire::Result r;
    interp->Run(ex, &r);
    EXPECT_TRUE(interp->PrepareNext().ok());
    return r;
  }

  // {output, diagnostics} as JSON.
  static std::string Lower(const std::string& source, const char* language) {
    wire::Result r = Run(compiler_, std::string("__stockade_lower(") + Quote(source) + ", \"" + language + "\")");
    EXPECT_EQ(r.status(), api::OK) << r.detail();
    return r.value_json();
  }

  // The lowered program's text: the JSON string value_json holds, decoded.
  static std::string LowerOutput(const std::string& source, const char* language) {
    wire::Result r = Run(compiler_, std::string("__stockade_lower(") + Quote(source) + ", \"" + language +
                                        "\").output");
    EXPECT_EQ(r.status(), api::OK) << r.detail();
    return Unquote(r.value_json());
  }

  static std::string RunLowered(const std::string& source, const char* language) {
    const std::string out = LowerOutput(source, language);
    wire::Result r = Run(runner_, out);
    EXPECT_EQ(r.status(), api::OK) << r.detail() << "\n" << out;
    return r.value_json();
  }

  static NullSink sink_;
  static Interpreter* compiler_;
  static Interpreter* runner_;
};

NullSink LoweringTest::sink_;
Interpreter* LoweringTest::compiler_ = nullptr;
Interpreter* LoweringTest::runner_ = nullptr;

TEST_F(LoweringTest, ModernJavaScriptRunsOnceLowered) {
  EXPECT_EQ(RunLowered("const add = (a, b = 2) => a + b;\n"
                       "const {x, ...rest} = {x: 1, y: 2, z: 3};\n"
                       "const list = [...[1, 2], ...new Set([3, 3, 4])];\n"
                       "let out = [];\n"
                       "for (const [k, v] of new Map([['a', 1], ['b', 2]])) out.push(`${k}=${v}`);\n"
                       "class Point { constructor(x, y) { this.x = x; this.y = y; } get sum() { return this.x + this.y; } }\n"
                       "class Point3 extends Point { constructor(x, y, z) { super(x, y); this.z = z; } total() { return this.sum + this.z; } }\n"
                       "function* gen() { yield 1; yield 2; }\n"
                       "const o = {a: {b: null}};\n"
                       "[add(1), rest, list, out, new Point3(1, 2, 3).total(), [...gen()], o?.a?.b?.c ?? 'none', 2 ** 10]",
                       "javascript"),
            "[3,{\"y\":2,\"z\":3},[1,2,3,4],[\"a=1\",\"b=2\"],6,[1,2],\"none\",1024]");
}

TEST_F(LoweringTest, AsyncFunctionsRunOnTheEventLoop) {
  EXPECT_EQ(RunLowered("const wait = (ms) => new Promise((r) => setTimeout(r, ms));\n"
                       "async function steps() { const seen = []; for (const s of ['a', 'b']) { await wait(5); seen.push(s); } return seen; }\n"
                       "steps()",
                       "javascript"),
            "[\"a\",\"b\"]");
}

// The top level runs in a function, keeping what global code means: the
// completion value (of the last statement that produced one), `this`, and
// declarations that stay global (REPL semantics).
TEST_F(LoweringTest, TopLevelKeepsItsCompletionValue) {
  EXPECT_EQ(RunLowered("let s = 0;\nfor (let i = 0; i < 10; i++) s += i;\ns", "javascript"), "45");
  // The loop's own value when nothing follows it, as in global code.
  EXPECT_EQ(RunLowered("let s = 0;\nfor (let i = 0; i < 4; i++) s += i;", "javascript"), "6");
  EXPECT_EQ(RunLowered("const n = 3;\nif (n > 2) { `big ${n}`; } else { 'small'; }", "javascript"), "\"big 3\"");
  // A statement that produces nothing leaves the value before it...
  EXPECT_EQ(RunLowered("const n = 1;\n'kept';\nfunction f() {}\nlet m = 2;", "javascript"), "\"kept\"");
  // ...but an if with nothing to run is undefined, as in global code.
  EXPECT_EQ(RunLowered("const n = 1;\n'lost';\nif (n > 5) 'big';", "javascript"), "");
  EXPECT_EQ(RunLowered("const f = () => 1;\ntry { f() + 1; } finally { 'ignored'; }", "javascript"), "2");
  EXPECT_EQ(RunLowered("const k = 'b';\nswitch (k) { case 'a': 1; break; case 'b': 2; break; }", "javascript"), "2");
}

TEST_F(LoweringTest, TopLevelDeclarationsStayGlobal) {
  EXPECT_EQ(RunLowered("const a = 1;\nlet b = 2;\nvar c = 3;\nfunction f() { return 4; }\nclass K {}\n"
                       "const { d, e: [g] } = { d: 5, e: [6] };\nfor (var i = 0; i < 2; i++) {}\n"
                       "{ let hidden = 1; var shown = 7; }\n"
                       "const names = ['a', 'b', 'c', 'd', 'f', 'g', 'i', 'K', 'shown', 'hidden'].filter((n) => n in globalThis);\n"
                       "[names, globalThis.a, globalThis.f(), typeof globalThis.K, globalThis.g, this === globalThis]",
                       "javascript"),
            "[[\"a\",\"b\",\"c\",\"d\",\"f\",\"g\",\"i\",\"K\",\"shown\"],1,4,\"function\",6,true]");
  // The global and the local are one binding, both ways; a const stays put.
  EXPECT_EQ(RunLowered("let n = 1;\nconst c = 1;\nglobalThis.n = 5;\nconst seen = n;\nn = 7;\n"
                       "globalThis.c = 9;\n[seen, globalThis.n, c, globalThis.c]",
                       "javascript"),
            "[5,7,1,1]");
  // What cannot change stays as it is, as `var undefined` leaves it.
  EXPECT_EQ(RunLowered("var undefined = 1;\nlet x = () => 2;\ntypeof undefined", "javascript"), "\"undefined\"");
  EXPECT_EQ(LowerOutput("var NaN = 1;\nlet x = () => 2;", "javascript").find("__stockade_declare"), std::string::npos);
  // "use strict" stays the function's directive; `this` is still the global.
  EXPECT_EQ(RunLowered("'use strict';\nconst t = this;\n[t === globalThis, (function () { return this; })() === undefined]",
                       "javascript"),
            "[true,true]");
}

TEST_F(LoweringTest, TopLevelAwaitMakesTheScriptAsync) {
  EXPECT_EQ(RunLowered("const wait = (ms, v) => new Promise((r) => setTimeout(() => r(v), ms));\n"
                       "const a = await wait(10, 'a');\nlet out = [a];\n"
                       "for await (const v of [wait(5, 'b'), 'c']) out.push(v);\n"
                       "out.join('') + (typeof globalThis.out)",
                       "javascript"),
            "\"abcobject\"");
  EXPECT_EQ(RunLowered("const x: number = await Promise.resolve(41);\nx + 1", "typescript"), "42");
  // await inside a function is that function's, not the top level's.
  const std::string sync = LowerOutput("async function f() { await 1; }\nf", "javascript");
  EXPECT_EQ(sync.find("__awaiter(this, void 0, void 0, function () {\n        function f"), std::string::npos) << sync;
}

// Where a function would change what names mean, the top level stays
// global code.
TEST_F(LoweringTest, ArgumentsAndEvalKeepGlobalCode) {
  EXPECT_EQ(LowerOutput("const a = 1;\neval('a')", "javascript").find("__stockade_declare"), std::string::npos);
  EXPECT_EQ(LowerOutput("const f = () => typeof arguments;\nf()", "javascript").find("__stockade_declare"),
            std::string::npos);
  EXPECT_NE(LowerOutput("const o = { eval: 1 };\nfunction g() { return arguments.length; }\no.eval", "javascript")
                .find("__stockade_declare"),
            std::string::npos);
}

// super.x reads an accessor with the instance as `this` (TypeScript's ES5
// output alone would run the getter on the prototype).
TEST_F(LoweringTest, SuperPropertyReadsSeeTheInstance) {
  EXPECT_EQ(RunLowered("class A { constructor() { this._x = 2; } get x() { return this._x; } static get tag() { return this.name; } }\n"
                       "class B extends A { get x() { return super.x + 1; } m() { return super.x * 10; } "
                       "n() { return [1].map(() => super['x'])[0]; } static get tag() { return 'B:' + super.tag; } }\n"
                       "const C = class extends A { get x() { return super.x + 5; } };\n"
                       "[new B().x, new B().m(), new B().n(), B.tag, new C().x]",
                       "javascript"),
            "[3,20,2,\"B:B\",7]");
}

// Where TypeScript's ES5 output would be silently wrong, the source is
// refused with the position of what cannot be lowered.
TEST_F(LoweringTest, WhatCannotBeLoweredIsRefused) {
  const std::string arrow = Lower("function g() {\n  return () => arguments.length;\n}\ng(1)()", "javascript");
  EXPECT_NE(arrow.find("'arguments' inside an arrow function"), std::string::npos) << arrow;
  EXPECT_NE(arrow.find("\"line\":2,\"column\":16"), std::string::npos) << arrow;
  const std::string literal = Lower("const base = { m() { return 1; } };\n"
                                    "const o = { __proto__: base, m() { return super.m() + 1; } };", "javascript");
  EXPECT_NE(literal.find("'super' in an object literal's method"), std::string::npos) << literal;
  EXPECT_NE(literal.find("\"line\":2"), std::string::npos) << literal;
  // A property named arguments, and arguments in a function inside an
  // arrow, are fine.
  EXPECT_EQ(RunLowered("const o = { arguments: 3 };\nconst f = () => function () { return arguments.length + o.arguments; };\n"
                       "f()(1, 2)",
                       "javascript"),
            "5");
}

// Found by review: each of these lowered to something that ran differently.
TEST_F(LoweringTest, ReviewCasesRunAsTheyWouldInNode) {
  // A var of a built-in's name keeps the built-in, as in global code.
  EXPECT_EQ(RunLowered("let q = 1;\nvar console = console || { log: null };\ntypeof console.log", "javascript"),
            "\"function\"");
  // super in a static block reads the parent class.
  EXPECT_EQ(RunLowered("class B { static v = 1 }\nclass A extends B { static w; static { A.w = super.v; } }\nA.w",
                       "javascript"),
            "1");
  // A property named arguments inside an arrow is a property.
  EXPECT_EQ(RunLowered("const f = () => ({ arguments: 1 });\nf().arguments", "javascript"), "1");
  // TypeScript's `export {}` idiom for top-level await, and type-only
  // imports and exports, are for the type checker only.
  EXPECT_EQ(RunLowered("import type { A } from './a';\nexport type T = number;\nexport interface I { x: number }\n"
                       "export {};\nconst x: number = await Promise.resolve(41);\nx + 1",
                       "typescript"),
            "42");
  // An anonymous class's generated name says nothing about other lowerings.
  const std::string first = RunLowered("const X = class extends Array { get n() { return super.length; } };\nX.name",
                                       "javascript");
  EXPECT_EQ(RunLowered("const X = class extends Array { get n() { return super.length; } };\nX.name", "javascript"),
            first);
}

TEST_F(LoweringTest, WhatScriptsCannotDoIsRefusedAtItsLine) {
  const std::string ret = Lower("let x = 1;\nreturn x;", "javascript");
  EXPECT_NE(ret.find("can only be used within a function body"), std::string::npos) << ret;
  EXPECT_NE(ret.find("\"line\":2"), std::string::npos) << ret;
  const std::string imp = Lower("const a = 1;\nimport fs from 'fs';\nexport const y = a;", "javascript");
  EXPECT_NE(imp.find("import and export are for modules"), std::string::npos) << imp;
  EXPECT_NE(imp.find("\"line\":2"), std::string::npos) << imp;
  const std::string sup = Lower("class B {}\nclass A extends B { m() { super.count = 5; } }", "javascript");
  EXPECT_NE(sup.find("assigning to a property of 'super'"), std::string::npos) << sup;
}

TEST_F(LoweringTest, TypeScriptTypesAreStripped) {
  EXPECT_EQ(RunLowered("interface User { name: string; age?: number }\n"
                       "enum Role { Admin = 'admin', User = 'user' }\n"
                       "function greet<T extends User>(u: T, role: Role = Role.User): string { return `${u.name}:${role}`; }\n"
                       "const users: User[] = [{ name: 'ada' }, { name: 'bob', age: 3 }];\n"
                       "users.map((u) => greet(u)).concat(greet(users[0], Role.Admin)) as string[]",
                       "typescript"),
            "[\"ada:user\",\"bob:user\",\"ada:admin\"]");
}

TEST_F(LoweringTest, SyntaxErrorsComeWithTheirPosition) {
  const std::string lowered = Lower("const a = 1;\nconst b = (;\n", "javascript");
  EXPECT_NE(lowered.find("\"diagnostics\":[{"), std::string::npos) << lowered;
  EXPECT_NE(lowered.find("\"line\":2"), std::string::npos) << lowered;
  // Types in a .js source are not JavaScript.
  EXPECT_NE(Lower("let n: number = 1;", "javascript").find("\"line\":1"), std::string::npos);
  const std::string typed = Lower("let n: number = 1;", "typescript");
  EXPECT_NE(typed.find("\"diagnostics\":[]"), std::string::npos) << typed;
}

TEST_F(LoweringTest, LoweringASmallScriptIsQuick) {
  const std::string script =
      "type Row = { id: number; tags: string[] };\n"
      "const rows: Row[] = Array.from({ length: 50 }, (_, i) => ({ id: i, tags: [`t${i % 3}`] }));\n"
      "const byTag = new Map<string, number[]>();\n"
      "for (const { id, tags } of rows) for (const t of tags) byTag.set(t, [...(byTag.get(t) ?? []), id]);\n"
      "async function main() { await null; return Object.fromEntries([...byTag].map(([k, v]) => [k, v.length])); }\n"
      "main();\n";
  Lower(script, "typescript");
  // The request path (the run) apart from what follows it (the next run's
  // global and the collection of TypeScript's cyclic syntax trees).
  std::int64_t run_ns = 0, after_ns = 0;
  constexpr int kTimes = 10;
  wire::Execute ex;
  ex.set_code("__stockade_lower(" + Quote(script) + ", \"typescript\").output.length");
  ex.mutable_limits()->set_timeout_ms(5000);
  for (int i = 0; i < kTimes; ++i) {
    wire::Result r;
    const std::int64_t t0 = MonotonicNowNs();
    compiler_->Run(ex, &r);
    const std::int64_t t1 = MonotonicNowNs();
    ASSERT_TRUE(compiler_->PrepareNext().ok());
    run_ns += t1 - t0;
    after_ns += MonotonicNowNs() - t1;
    ASSERT_EQ(r.status(), api::OK) << r.detail();
  }
  std::printf("  lowering %zu bytes of TypeScript: %.1f ms per request, then %.1f ms between requests\n",
              script.size(), run_ns / 1e6 / kTimes, after_ns / 1e6 / kTimes);
  EXPECT_EQ(RunLowered(script, "typescript"), "{\"t0\":17,\"t1\":17,\"t2\":16}");
}

}  // namespace
}  // namespace stockade::worker
