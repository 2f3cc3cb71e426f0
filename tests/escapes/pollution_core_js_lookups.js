// expect: OK
// why: core-js looks things up when it is called, not only when it is
//   installed: Symbol.species on constructors, RegExp.prototype.exec (which
//   split, replace and matchAll call), Symbol.split on RegExp.prototype, a
//   promise's `constructor`, the globals it schedules with (Promise,
//   queueMicrotask, setImmediate). Replace each, on the frozen built-ins
//   (refused) and in this run's own global (allowed, private), and check
//   core-js still works here and in the next run
// expect-value: [["TypeError","TypeError","TypeError","TypeError","TypeError"],["a","b"],"x#","resolved"]
// then: var parts = 'a-b'.split('-'); var rep = 'x1'.replace(/\d/, '#'); var all = []; var it = 'a1a2'.matchAll(/a(\d)/g), r; while (!(r = it.next()).done) all.push(r.value[1]); Promise.all([Promise.resolve(parts), rep, all, typeof Promise.hijacked, typeof queueMicrotask.hijacked])
// then-expect-value: [["a","b"],"x#",["1","2"],"undefined","undefined"]
'use strict';
function attempt(f) { try { f(); return 'silent'; } catch (e) { return e.name; } }
var spy = function () { return null; };
spy.hijacked = true;
var outcomes = [
  attempt(function () { Object.defineProperty(Promise, Symbol.species, { get: function () { return spy; } }); }),
  attempt(function () { RegExp.prototype.exec = spy; }),
  attempt(function () { RegExp.prototype[Symbol.split] = spy; }),
  attempt(function () { Promise.prototype.constructor = spy; }),
  attempt(function () { Object.defineProperty(Array, Symbol.species, { value: spy }); })
];
// This run's own bindings: allowed, and private to this run. core-js
// captured the real ones when it was installed.
var RealPromise = Promise;
globalThis.Promise = spy;
globalThis.queueMicrotask = spy;
globalThis.setImmediate = spy;
RealPromise.resolve('pending').then(function () {
  return [outcomes, 'a-b'.split('-'), 'x1'.replace(/\d/, '#'), 'resolved'];
});
