// expect: OK
// why: replace the methods the next run's everyday code calls:
//   Promise.prototype.then (which the event loop itself uses to await a
//   completion value), Map.prototype.set/get, Set.prototype.add and
//   Array.prototype[Symbol.iterator] (an accessor shim: the assignment
//   must throw, not land on Array.prototype); every attempt fails, here
//   and in the next run
// expect-value: [["TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError"],3,"b"]
// then: var m = new Map(); m.set('k', 1); var s = new Set([1, 1, 2]); var seen = []; var it = [5, 6][Symbol.iterator](); seen.push(it.next().value); Promise.resolve([m.get('k'), s.size, seen, Array.from(new Set(['x'])), Object.keys(Array.prototype).length])
// then-expect-value: [1,2,[5],["x"],0]
'use strict';
function attempt(f) { try { f(); return 'silent'; } catch (e) { return e.name; } }
var spy = function () { return 'hijacked'; };
var outcomes = [
  attempt(function () { Promise.prototype.then = function (ok) { return ok('hijacked'); }; }),
  attempt(function () { Map.prototype.set = spy; }),
  attempt(function () { Map.prototype.get = spy; }),
  attempt(function () { Set.prototype.add = spy; }),
  attempt(function () { Array.prototype[Symbol.iterator] = function () { return [][Symbol.iterator](); }; }),
  attempt(function () { Object.defineProperty(Array.prototype, Symbol.iterator, { get: spy }); }),
  attempt(function () { Promise.resolve = spy; })
];
var m = new Map([['a', 'b']]);
[outcomes, Array.from([1, 2, 3]).length, m.get('a')];
