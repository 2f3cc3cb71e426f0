// expect: OK
// why: every other route to change a frozen built-in: defineProperty,
//   Reflect.set/defineProperty/deleteProperty/setPrototypeOf, __proto__,
//   Object.setPrototypeOf, Object.assign, a Proxy whose target is the
//   built-in, and delete; none may succeed (Duktape's Reflect.set throws
//   rather than answer false; core-js's Object.assign skips the
//   read-only target silently), and the next run must see
//   Object.prototype, Array.prototype and JSON exactly as they were
// expect-value: [["TypeError","TypeError",false,false,"TypeError","TypeError","silent","TypeError","TypeError","TypeError",false,"TypeError"],[false,false,true,"function"]]
// then: var names = Object.getOwnPropertyNames(Object.prototype).concat(Object.getOwnPropertyNames(Array.prototype)).filter(function (n) { return /evil|spy/.test(n); }); [names, Object.getPrototypeOf(Array.prototype) === Object.prototype, Object.getPrototypeOf(Object.prototype), typeof JSON.parse, [1, 2].indexOf(2), Object.isFrozen(Object.prototype)]
// then-expect-value: [[],true,null,"function",1,true]
'use strict';
function attempt(f) { try { var r = f(); return r === undefined ? 'silent' : r; } catch (e) { return e.name; } }
var evil = { evil: true, spy: function () {} };
var outcomes = [
 attempt(function () { Object.defineProperty(Object.prototype, 'evil', { value: 1, configurable: true }); }),
 attempt(function () { return Reflect.set(Object.prototype, 'evil', 1); }),
 attempt(function () { return Reflect.defineProperty(Array.prototype, 'evil', { value: 1 }); }),
 attempt(function () { return Reflect.setPrototypeOf(Array.prototype, evil); }),
 attempt(function () { Array.prototype.__proto__ = evil; }),
 attempt(function () { Object.setPrototypeOf(Object.prototype, evil); }),
 attempt(function () { Object.assign(Array.prototype, evil); }),
 attempt(function () { new Proxy(Object.prototype, {}).evil = 1; }),
 attempt(function () { new Proxy(JSON, { set: function (t, k, v) { t[k] = v; return true; } }).parse = evil.spy; }),
 attempt(function () { delete JSON.parse; }),
 attempt(function () { return Reflect.deleteProperty(Array.prototype, 'indexOf'); }),
 attempt(function () { Object.defineProperty(Object.prototype, '__proto__', { value: evil }); })];
[outcomes, ['evil' in {}, 'spy' in [], Object.getPrototypeOf(Array.prototype) === Object.prototype, typeof JSON.parse]];
