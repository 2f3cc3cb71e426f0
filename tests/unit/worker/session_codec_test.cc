// The native session state codec (worker/session_capture.h,
// worker/session_restore.h, worker/session_json.h): every kind of value
// round-trips through a capture and a restore exactly (identity, cycles,
// the odd numbers, strings with lone surrogates and characters past
// U+FFFF, sparse arrays, typed arrays, invalid Dates, Map and Set with
// object keys); hostile state text fails the run with the typed error and
// never crashes; a capture of values built to hurt (deep, wide, shared,
// large) ends cleanly, within the run's limits.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/worker/interpreter_fixture.h"
#include "worker/session_json.h"

namespace stockade::worker {
namespace {

class SessionCodecTest : public InterpreterTest {
 protected:
  wire::Result RunIn(const std::string& state, const std::string& code, std::uint64_t state_bytes = 0,
                     std::uint32_t timeout_ms = 5000) {
    wire::Execute ex;
    ex.set_code(code);
    ex.set_session_in_json(state);
    ex.set_capture_session(true);
    ex.set_session_state_bytes(state_bytes);
    return Run(ex, timeout_ms);
  }
  // Makes the values in one run, reads them with `check` in the next.
  // same_again: a state captured from the restored one is the same text
  // (not for errors, whose stacks are new, nor NaN in a Float64Array, which
  // the format keeps as JSON.stringify does: null, read back as 0).
  std::string RoundTrip(const std::string& make, const std::string& check, bool same_again = true) {
    wire::Result a = RunIn("", make);
    EXPECT_EQ(a.status(), api::OK) << a.detail();
    EXPECT_FALSE(a.session_state().empty());
    wire::Result b = RunIn(a.session_state(), check);
    EXPECT_EQ(b.status(), api::OK) << b.detail() << "\nstate: " << a.session_state();
    wire::Result c = RunIn(a.session_state(), "undefined");
    if (same_again) {
      EXPECT_EQ(c.session_state(), a.session_state());
    }
    return b.value_json();
  }
  void ExpectUnrestorable(const std::string& state, const std::string& why = "") {
    wire::Result r = RunIn(state, "1");
    EXPECT_EQ(r.status(), api::RUNTIME_ERROR) << state;
    EXPECT_NE(r.detail().find("the session's state cannot be restored: "), std::string::npos) << r.detail();
    EXPECT_NE(r.detail().find(why), std::string::npos) << r.detail();
  }
};

TEST_F(SessionCodecTest, NumbersAndSpecialValues) {
  EXPECT_EQ(RoundTrip("var a = [-0, NaN, Infinity, -Infinity, 0.1, 1e21, 5e-324, 1.7976931348623157e308,\n"
                      "  -9007199254740993, 123456789012, undefined, null, true, false];",
                      "[1 / a[0], isNaN(a[1]), a[2], a[3], a[4] === 0.1, a[5] === 1e21, a[6] === 5e-324,\n"
                      " a[7] === 1.7976931348623157e308, a[8] === -9007199254740993, a[9], a.length, 10 in a,\n"
                      " a[10] === undefined, a[11], a[12], a[13]]"),
            "[null,true,null,null,true,true,true,true,true,123456789012,14,true,true,null,true,false]");
  EXPECT_EQ(RoundTrip("var z = -0, n = NaN, i = -Infinity, u;", "[1 / z, isNaN(n), i === -Infinity, typeof u, 'u' in globalThis]"),
            "[null,true,true,\"undefined\",true]");
}

TEST_F(SessionCodecTest, StringsKeepEveryCodeUnit) {
  // A lone surrogate (each half), a pair (a character past U+FFFF), control
  // characters, quotes, U+2028, and keys with the same.
  EXPECT_EQ(RoundTrip("var s = ['\\ud800', '\\udc00x', '\\ud83d\\ude00', 'a\\u0000b\\u001f\"\\\\/\\u2028', 'é€'];\n"
                      "var o = {}; o['\\ud800k'] = 1; o['\\ud83d\\ude00'] = 2; o[''] = 3;",
                      "[s.map(function (x) { return x.length; }), s[0].charCodeAt(0), s[1].charCodeAt(0),\n"
                      " s[2].charCodeAt(0), s[2].charCodeAt(1), s[3].charCodeAt(1), s[3].charCodeAt(7), s[4],\n"
                      " o['\\ud800k'], o['\\ud83d\\ude00'], o[''], Object.keys(o).length]"),
            "[[1,2,2,8,2],55296,56320,55357,56832,0,8232,\"é€\",1,2,3,3]");
}

TEST_F(SessionCodecTest, SharedReferencesCyclesAndArrays) {
  EXPECT_EQ(RoundTrip("var a = {n: 1}; var b = {a: a, list: [a, a]}; a.b = b; a.self = a;\n"
                      "var sparse = [1]; sparse[5] = 6; sparse.extra = 'x'; sparse['-1'] = 'neg';\n"
                      "var deep = {}; var at = deep; for (var i = 0; i < 1000; i++) { at.next = {i: i}; at = at.next; }",
                      "var at = deep, k = 0; while (at.next) { at = at.next; k++; }\n"
                      "[b.a === a, b.list[0] === b.list[1], a.b === b, a.self === a, sparse.length, 3 in sparse,\n"
                      " sparse[5], sparse.extra, sparse['-1'], k, at.i]"),
            "[true,true,true,true,6,true,6,\"x\",\"neg\",1000,999]");
}

TEST_F(SessionCodecTest, DatesRegExpsErrorsAndBuffers) {
  EXPECT_EQ(RoundTrip("var d = [new Date(0), new Date(NaN), new Date(-1e15)];\n"
                      "var r = new RegExp('a[/]b', 'gim'); var e = [new TypeError('t'), new Error('plain'), new URIError('u')];\n"
                      "var f = new Float64Array([1.5, -0, NaN]); var i8 = new Int8Array([-128, 127]);\n"
                      "var u32 = new Uint32Array([4294967295]); var ab = new Uint8Array([1, 2, 3]).buffer;\n"
                      "var c = new Uint8ClampedArray([0, 255]); var i16 = new Int16Array(new ArrayBuffer(4));",
                      "[d[0].getTime(), isNaN(d[1].getTime()), d[2].getTime(), r.source, r.flags, r.lastIndex,\n"
                      " e[0] instanceof TypeError, e[0].message, e[1].name, e[2] instanceof URIError,\n"
                      " f instanceof Float64Array, f[0], isNaN(f[2]) || f[2] === 0, i8[0], i8[1], u32[0],\n"
                      " ab instanceof ArrayBuffer, ab.byteLength, new Uint8Array(ab)[2], c[1], i16.length]",
                      /*same_again=*/false),
            "[0,true,-1000000000000000,\"a[\\\\/]b\",\"gim\",0,true,\"t\",\"Error\",true,true,1.5,true,-128,127,"
            "4294967295,true,3,3,255,2]");
}

TEST_F(SessionCodecTest, MapsAndSetsWithObjectKeys) {
  EXPECT_EQ(RoundTrip("var k = {id: 1}; var frozen = Object.freeze({id: 2});\n"
                      "var m = new Map([[k, 'object key'], [frozen, 'frozen key'], ['s', k], [0, -0], [NaN, 'nan']]);\n"
                      "var s = new Set([k, frozen, 1, 'a', k]); m.set(m, s); s.add(s);",
                      "[m.size, m.get(k), m.get(frozen), m.get('s') === k, m.get(0), m.get(NaN), m.get(m) === s,\n"
                      " s.size, s.has(k), s.has(frozen), s.has(s), Array.from(m.keys()).indexOf(frozen)]"),
            "[6,\"object key\",\"frozen key\",true,0,\"nan\",true,5,true,true,true,1]");
}

TEST_F(SessionCodecTest, WhatCannotBeKeptIsNamedAndLeftOut) {
  wire::Result a = RunIn("", "var o = {sym: Symbol('x'), fn: function () {}, weak: new WeakMap(), ok: 1,\n"
                             "  p: Promise.resolve(1), dv: new DataView(new ArrayBuffer(1)), tagged: {}};\n"
                             "o.tagged[Symbol.toStringTag] = 'Custom'; var m = new Map([['k', Symbol()]]);\n"
                             "var arr = [Symbol()];");
  ASSERT_EQ(a.status(), api::OK) << a.detail();
  for (const char* named : {"o.sym: a Symbol", "o.fn: a function not declared at top level", "o.weak: a WeakMap",
                            "o.p: a Promise", "o.dv: a DataView", "o.tagged: a Custom", "m.get(\\\"k\\\"): a Symbol",
                            "arr[0]: a Symbol"}) {
    EXPECT_NE(SessionSummary(a).find(named), std::string::npos) << named << " in " << SessionSummary(a);
  }
  EXPECT_EQ(RunIn(a.session_state(), "[Object.keys(o).join(), m.size, arr.length, arr[0]]").value_json(),
            "[\"ok\",0,1,null]");
}

TEST_F(SessionCodecTest, HostileStatesFailWithTheTypedError) {
  const std::string good = "{\"v\":2,\"b\":[[\"x\",{\"#\":0}]],\"o\":[{\"t\":\"O\",\"p\":{\"a\":1}}]}";
  for (std::size_t cut : {1u, 10u, 30u, 50u}) ExpectUnrestorable(good.substr(0, cut), "not JSON");
  ExpectUnrestorable("[]", "not version 1 or 2");
  ExpectUnrestorable("{\"v\":2,\"b\":{},\"o\":[]}", "not version 1 or 2");
  ExpectUnrestorable("{\"v\":2,\"b\":[[\"x\",{\"#\":1}]],\"o\":[{\"t\":\"O\"}]}", "a dangling reference");
  ExpectUnrestorable("{\"v\":2,\"b\":[[\"x\",{\"#\":-1}]],\"o\":[]}", "a dangling reference");
  ExpectUnrestorable("{\"v\":2,\"b\":[[\"x\",{\"#\":0.5}]],\"o\":[{\"t\":\"O\"}]}", "a dangling reference");
  ExpectUnrestorable("{\"v\":2,\"b\":[[\"x\",{\"#\":1e300}]],\"o\":[]}", "a dangling reference");
  ExpectUnrestorable("{\"v\":2,\"b\":[[\"x\",{\"f\":0}]],\"o\":[]}", "a dangling function reference");
  ExpectUnrestorable("{\"v\":2,\"b\":[[\"x\",{\"q\":1}]],\"o\":[]}", "a malformed value");
  ExpectUnrestorable("{\"v\":2,\"b\":[[\"x\",[1]]],\"o\":[]}", "a malformed value");
  ExpectUnrestorable("{\"v\":2,\"b\":[[1,1]],\"o\":[]}", "a malformed binding");
  ExpectUnrestorable("{\"v\":2,\"b\":[],\"o\":[{\"t\":\"Z\"}]}", "an unknown object kind");
  ExpectUnrestorable("{\"v\":2,\"b\":[],\"o\":[7]}", "a malformed object");
  ExpectUnrestorable("{\"v\":2,\"b\":[],\"o\":[{\"t\":\"A\",\"e\":{}}]}", "a malformed array");
  ExpectUnrestorable("{\"v\":2,\"b\":[],\"o\":[{\"t\":\"M\",\"e\":[[1]]}]}", "a malformed map entry");
  ExpectUnrestorable("{\"v\":2,\"b\":[],\"o\":[{\"t\":\"B\",\"k\":\"Nope\",\"d\":[]}]}", "an unknown buffer kind");
  ExpectUnrestorable("{\"v\":2,\"b\":[],\"o\":[{\"t\":\"R\",\"s\":\"(\",\"f\":\"\"}]}", "SyntaxError");
  // Nesting no state has, invalid UTF-8, a lone surrogate as raw bytes.
  ExpectUnrestorable("{\"v\":2,\"b\":[[\"x\"," + std::string(100000, '[') + "]],\"o\":[]}", "nested too deep");
  ExpectUnrestorable("{\"v\":2,\"b\":[[\"x\",\"\xff\"]],\"o\":[]}", "invalid UTF-8");
  ExpectUnrestorable("{\"v\":2,\"b\":[[\"x\",\"\xed\xa0\x80\"]],\"o\":[]}", "invalid UTF-8");
  // A huge count is only as large as its text: a million elements restore
  // (or fail on the run's limits), never more than the text says.
  std::string many = "{\"v\":2,\"b\":[[\"x\",{\"#\":0}]],\"o\":[{\"t\":\"A\",\"e\":[";
  for (int i = 0; i < 1000000; ++i) many += i ? ",0" : "0";
  many += "]}]}";
  wire::Result big = RunIn(many, "x.length");
  EXPECT_TRUE(big.status() == api::OK || big.status() == api::MEMORY_LIMIT || big.status() == api::TIMEOUT)
      << big.detail();
  if (big.status() == api::OK) {
    EXPECT_EQ(big.value_json(), "1000000");
  }
  // The global is left for the next run as any failed run leaves it.
  EXPECT_EQ(Value("typeof x"), "\"undefined\"");
}

TEST_F(SessionCodecTest, HostileValuesEndTheCaptureCleanly) {
  // Deeper than any recursion could go: the walk is breadth-first.
  wire::Result deep = RunIn("", "var d = []; for (var i = 0; i < 20000; i++) d = [d]; 1");
  ASSERT_EQ(deep.status(), api::OK) << deep.detail();
  EXPECT_EQ(RunIn(deep.session_state(), "var n = 0; while (d.length) { d = d[0]; n++; } n").value_json(), "20000");
  // Deeper, the run's memory (tables outside the heap count) stops it.
  wire::Result deeper = RunIn("", "var d = []; for (var i = 0; i < 300000; i++) d = [d]; 1");
  EXPECT_EQ(deeper.status(), api::MEMORY_LIMIT) << deeper.detail();
  // Over the state's cap: the capture stops, the run says so.
  wire::Result wide = RunIn("", "var s = 'x'.repeat(1000); var a = []; for (var i = 0; i < 5000; i++) a.push(s); 1",
                            /*state_bytes=*/1 << 20);
  EXPECT_EQ(wide.status(), api::OK) << wide.detail();
  EXPECT_TRUE(wide.session_state_too_large());
  EXPECT_TRUE(wide.session_state().empty());
  // One shared string a million times is a million copies in the text: the
  // run's memory (text and tables count with the heap) or the cap stops it.
  wire::Result shared = RunIn("", "var s = 'y'.repeat(100000); var a = []; for (var i = 0; i < 2000; i++) a.push(s); 1");
  EXPECT_EQ(shared.status(), api::MEMORY_LIMIT) << shared.detail();
  // A sparse array's length is walked, within the deadline.
  wire::Result sparse = RunIn("", "var a = []; a[4294967294] = 1; 1", 0, 300);
  EXPECT_TRUE(sparse.status() == api::TIMEOUT || sparse.status() == api::MEMORY_LIMIT) << sparse.detail();
  // A getter that loops is the run's TIMEOUT; one that throws, its error.
  EXPECT_EQ(RunIn("", "Object.defineProperty(globalThis, 'g', {enumerable: true, get: function () { for (;;) {} }}); 1",
                  0, 300)
                .status(),
            api::TIMEOUT);
  wire::Result thrower = RunIn("", "var o = {get x() { throw new RangeError('nope'); }}; 1");
  EXPECT_EQ(thrower.status(), api::RUNTIME_ERROR);
  EXPECT_NE(thrower.detail().find("the session's state cannot be kept: RangeError: nope"), std::string::npos)
      << thrower.detail();
  // A getter that drops what it was reached from does not confuse
  // identities (each object met is held for the whole capture).
  EXPECT_EQ(RoundTrip("var keep = {a: {n: 1}}; Object.defineProperty(globalThis, 'zz', {enumerable: true,\n"
                      "  get: function () { var old = keep.a; keep.a = {n: 2}; return [old, {n: 3}]; }}); 1",
                      "[keep.a.n, zz[0].n, zz[1].n, zz[0] === keep.a]"),
            "[1,1,3,true]");
}

TEST(SessionJsonTest, ParsesWhatTheEncoderWritesAndRefusesTheRest) {
  JsonDoc doc;
  std::string error;
  ASSERT_TRUE(ParseJsonDoc("{\"a\":[1,-2.5e3,\"x\\u00e9\\ud83d\\ude00\",true,null,{}],\"b\":\"\xf0\x9f\x98\x80\"}", 8, &doc,
                           &error))
      << error;
  const std::uint32_t a = doc.Member(0, "a");
  ASSERT_NE(a, 0u);
  EXPECT_EQ(doc.nodes[a].count, 6u);
  EXPECT_EQ(doc.nodes[a + 2].number, -2500);
  // A character past U+FFFF, escaped or raw, is stored as its surrogates.
  EXPECT_EQ(doc.String(doc.nodes[a + 3]), "x\xc3\xa9\xed\xa0\xbd\xed\xb8\x80");
  EXPECT_EQ(doc.String(doc.nodes[doc.Member(0, "b")]), "\xed\xa0\xbd\xed\xb8\x80");
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"\\x\"", "\"a", "[1] 2", "\"\x01\"",
                          "tru", "{\"a\":1,}", "\"\xc0\xaf\""}) {
    EXPECT_FALSE(ParseJsonDoc(bad, 8, &doc, &error)) << bad;
  }
  EXPECT_FALSE(ParseJsonDoc("[[[[[[[[[1]]]]]]]]]", 8, &doc, &error));
  EXPECT_NE(error.find("nested too deep"), std::string::npos);
}

}  // namespace
}  // namespace stockade::worker
