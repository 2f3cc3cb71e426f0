// Native WeakMap and WeakSet (worker/weak_collections.h): the answers
// Node gives, for ordinary keys and for the keys that cannot hold an entry
// of their own (frozen, inheriting another key's entry, a Proxy whose
// target holds one); and nothing of them visible on the keys. In-process;
// no seccomp.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/worker/interpreter_fixture.h"

namespace stockade::worker {
namespace {

using WeakCollectionsTest = InterpreterTest;

// Expected values: Node 20's answers to the same scripts.
TEST_F(WeakCollectionsTest, AnswerAsTheSpecificationSays) {
  EXPECT_EQ(Value("var r = [], wm = new WeakMap();\n"
                  "var a = {}, b = Object.freeze({}), c = Object.create(a), p = new Proxy(a, {});\n"
                  "wm.set(a, 1).set(b, 2);\n"
                  "r.push(wm.get(a), wm.get(b), wm.get(c), wm.has(c), wm.get(p), wm.has(p));\n"
                  "wm.set(c, 3); wm.set(p, 4);\n"
                  "r.push(wm.get(a), wm.get(c), wm.get(p));\n"
                  "r.push(wm.delete(a), wm.has(a), wm.get(p), wm.delete(b), wm.has(b), wm.delete(b));\n"
                  "var m2 = new WeakMap([[a, 'x'], [b, 'y']]);\n"
                  "r.push(m2.get(a), m2.get(b), new WeakMap().get(a), wm.get(1), wm.has('s'));\n"
                  "var k = {}; wm.set(k, 5); Object.freeze(k); r.push(wm.delete(k), wm.has(k));\n"
                  "wm.set(k, 6); r.push(wm.get(k));\n"
                  "var fw = Object.freeze(new WeakMap()); fw.set(b, 7); r.push(fw.get(b));\n"
                  "var q = {}; wm.set(q, 1); Object.preventExtensions(q); var z = {}; wm.set(z, 2); Object.seal(z);\n"
                  "r.push(Object.isFrozen(q), Object.isSealed(z), wm.get(z));\n"
                  "try { WeakMap.prototype.set.call(Object.create(wm), {}, 1); } catch (e) { r.push(e.name); }\n"
                  "r"),
            "[1,2,null,false,null,false,1,3,4,true,false,4,true,false,false,\"x\",\"y\",null,null,false,"
            "true,false,6,7,true,true,2,\"TypeError\"]");
  EXPECT_EQ(Value("var ws = new WeakSet(), a = {}, b = Object.freeze([]);\n"
                  "ws.add(a).add(b);\n"
                  "[ws.has(a), ws.has(b), ws.has({}), ws.delete(a), ws.has(a), ws.has(1),"
                  " new WeakSet([a, b]).has(b)]"),
            "[true,true,false,true,false,false,true]");
  EXPECT_EQ(Value("var r = [], wm = new WeakMap(), ws = new WeakSet();\n"
                  "try { wm.set(1, 2); } catch (e) { r.push(e.name); }\n"
                  "try { ws.add('s'); } catch (e) { r.push(e.name); }\n"
                  "try { WeakMap.prototype.get.call({}, {}); } catch (e) { r.push(e.name); }\n"
                  "try { WeakSet.prototype.has.call(wm, {}); } catch (e) { r.push(e.name); }\n"
                  "try { WeakMap(); } catch (e) { r.push(e.name); }\n"
                  "r.concat([Object.prototype.toString.call(wm), Object.prototype.toString.call(ws),"
                  " WeakMap.name, WeakMap.prototype.set.name, typeof WeakMap.prototype.forEach])"),
            "[\"TypeError\",\"TypeError\",\"TypeError\",\"TypeError\",\"TypeError\",\"[object WeakMap]\","
            "\"[object WeakSet]\",\"WeakMap\",\"set\",\"undefined\"]");
}

// Entries live on their keys as hidden properties: nothing a script can
// list, copy or serialise shows them.
TEST_F(WeakCollectionsTest, EntriesAreInvisibleOnTheirKeys) {
  EXPECT_EQ(Value("var wm = new WeakMap(), a = { x: 1 };\n"
                  "wm.set(a, 'secret');\n"
                  "[Object.getOwnPropertyNames(a), Object.getOwnPropertySymbols(a).length, Reflect.ownKeys(a),"
                  " JSON.stringify(a), JSON.stringify(structuredClone(a)), Object.assign({}, a),"
                  " Object.isFrozen(Object.freeze(a)), wm.get(a)]"),
            "[[\"x\"],0,[\"x\"],\"{\\\"x\\\":1}\",\"{\\\"x\\\":1}\",{\"x\":1},true,\"secret\"]");
}

// core-js keeps per-object state in a WeakMap of the template, shared by
// every run: what a run puts there for keys that cannot take an entry (a
// frozen object) is gone before the next run, which neither pays for it
// nor keeps it alive; an object inheriting from one with state takes its
// own entry instead.
TEST_F(WeakCollectionsTest, NothingARunLeavesInTheTemplatesCollectionsOutlivesIt) {
  const std::uint64_t base = Run("1").heap_bytes_after();
  for (const char* plant :
       {"for (var j = 0; j < 3000; j++) { var o = Object.create(new Map()); Map.call(o);\n"
        "  Map.prototype.set.call(o, 'big', new Array(100).join('x') + j); } 1",
        "for (var j = 0; j < 3000; j++) { var o = Object.freeze(Object.create(Map.prototype));\n"
        "  try { Map.call(o); } catch (e) {} } 1"}) {
    ASSERT_EQ(Run(plant).status(), api::OK);
    ASSERT_EQ(Run(plant).status(), api::OK);
    EXPECT_LT(Run("1").heap_bytes_after(), base + (256u << 10)) << plant;
  }
  EXPECT_EQ(Value("var m = new Map([[1, 2]]); [m.get(1), new Set([3]).has(3)]"), "[2,true]");
}

// A key with entries is no reference cycle: instances with private fields
// are freed as soon as they are dropped, not at the next full collection.
TEST_F(WeakCollectionsTest, KeysWithEntriesAreFreedByReferenceCounting) {
  wire::Result r = Run("var _v = new WeakMap(); function P(v) { _v.set(this, v); }\n"
                       "var s = 0; for (var i = 0; i < 100000; i++) s += _v.get(new P(i)); s");
  ASSERT_EQ(r.status(), api::OK) << r.detail();
  EXPECT_EQ(r.value_json(), "4999950000");
  EXPECT_LT(r.heap_peak_bytes(), 16u << 20);
}

// Private class fields, lowered to ES5, are WeakMaps: every read and write
// is a WeakMap call.
TEST_F(WeakCollectionsTest, PrivateFieldsLoweredToWeakMapsWork) {
  EXPECT_EQ(Value("var _n = new WeakMap();\n"
                  "function Counter() { _n.set(this, 0); }\n"
                  "Counter.prototype.add = function () { _n.set(this, _n.get(this) + 1); return this; };\n"
                  "var cs = []; for (var i = 0; i < 1000; i++) cs.push(new Counter().add().add());\n"
                  "cs.reduce(function (s, c) { return s + _n.get(c); }, 0)"),
            "2000");
}

}  // namespace
}  // namespace stockade::worker
