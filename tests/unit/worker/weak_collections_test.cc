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
                  "r"),
            "[1,2,null,false,null,false,1,3,4,true,false,4,true,false,false,\"x\",\"y\",null,null,false,"
            "true,false,6,7]");
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
