// expect: OK
// why: the accessor shims lockdown puts on constructor, toString, valueOf,
//   name and message: call their setters with a built-in as `this` (to
//   write onto a prototype other than the shim's own), with primitives,
//   through Reflect.set with a frozen receiver; look for state on the
//   setter and getter functions (own properties, their `prototype`
//   objects); then override the same names on this run's own objects,
//   which must work and stay in this run
// expect-value: [["TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError","TypeError"],["TypeError","TypeError"],["mine","Custom: mine","an A",7],true]
// then: function A() {} var e = new Error('next'); [String({}), String(e), String(new A()), ({}).valueOf.name, typeof Object.prototype.mine, typeof Error.prototype.toString.mine, Object.getOwnPropertyNames(Object.getOwnPropertyDescriptor(Object.prototype, 'toString').set.prototype)]
// then-expect-value: ["[object Object]","Error: next","[object Object]","valueOf","undefined","undefined",["constructor"]]
'use strict';
function attempt(f) { try { var r = f(); return r === undefined ? 'silent' : r; } catch (e) { return e.name; } }
function shim(obj, name) { return Object.getOwnPropertyDescriptor(obj, name); }
var toStr = shim(Object.prototype, 'toString');
var msg = shim(Error.prototype, 'message');
var ctor = shim(Array.prototype, 'constructor');
var evil = function () { return 'hijacked'; };
var abuse = [
  attempt(function () { toStr.set.call(Object.prototype, evil); }),
  attempt(function () { toStr.set.call(Array.prototype, evil); }),
  attempt(function () { toStr.set.call(Math, evil); }),
  attempt(function () { msg.set.call(TypeError.prototype, 'hijacked'); }),
  attempt(function () { ctor.set.call(Object.getPrototypeOf([][Symbol.iterator]()), evil); }),
  attempt(function () { toStr.set.call('a primitive', evil); }),
  attempt(function () { return Reflect.set(Object.prototype, 'toString', evil, JSON); }),
  attempt(function () { shim(Function.prototype, 'name').set.call(Function.prototype, 'hijacked'); }),
  attempt(function () { Object.defineProperty(Object.prototype, 'toString', { get: evil }); })
];
// The shims' own functions: no state to reach, nothing to plant.
var state = [
  attempt(function () { toStr.set.prototype.mine = 1; }),
  attempt(function () { toStr.get.mine = 1; })
];
// What the shims are for: overriding on one's own objects.
function A() {}
A.prototype.toString = function () { return 'an A'; };
var e = new Error('x');
e.message = 'mine';
e.name = 'Custom';
var o = {};
o.valueOf = function () { return 7; };
[abuse, state, [e.message, String(e), String(new A()), +o], toStr.get.call(null) === toStr.get.call(Math)];
