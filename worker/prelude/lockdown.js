// Lockdown, once per worker, after the standard library is installed.
//
// Every object reachable from the global object (constructors, prototypes,
// Math, JSON, console, core-js's additions, their functions and the
// functions' own objects) is then frozen by the host, natively (a walk in
// JavaScript took 20 ms per worker). Each run then gets a fresh global
// object whose bindings point at these frozen intrinsics (the host builds
// it from host.bindings): what a script defines or replaces lives in its own
// global and dies with it, and no script can change a built-in the next one
// uses. This is Hardened JavaScript's model (SES lockdown), which costs a
// run one new object instead of a new set of built-ins.
//
// Freezing turns the "override mistake" on: assigning `obj.toString = f`
// fails when an inherited toString is read-only, which breaks ordinary
// code (classes that define toString, TypeScript's __extends assigning
// `constructor`, errors given a `message`). As SES does, the properties code
// commonly overrides become accessors: the getter returns the original,
// the setter defines an own property on the object assigned to.
//
// host (out): bindings = what each run's global gets, flat:
//             [name, value, flags (1 writable, 2 enumerable, 4 configurable), ...]
//             anonymous = intrinsics only calls reach, to freeze as well
//             internal = the template global's names no run gets
(function (global, host) {
  'use strict';
  var getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  var defineProperty = Object.defineProperty;
  var getPrototypeOf = Object.getPrototypeOf;
  var hasOwn = Object.prototype.hasOwnProperty;
  var ownKeys = Reflect.ownKeys;
  var freeze = Object.freeze;

  // Duktape's own object exposes finalizers (code that would run after its
  // run, outside its deadline), the collector and coroutines. CBOR and the
  // Node-style Buffer are Duktape's, in no standard: CBOR.decode turned raw
  // bytes into strings (invalid UTF-8, overlong forms the JSON encoder had
  // to be patched for), and neither is something agents' code can count on
  // elsewhere. TextEncoder/TextDecoder and performance are web standards
  // and stay.
  delete global.Duktape;
  delete global.CBOR;
  delete global.Buffer;

  // Kept on this template global, where core-js looks them up, but never
  // given to a script: core-js's own bookkeeping (written lazily, so not
  // frozen either: the host skips what host.internal names) and the loop's
  // rejection hook.
  var internal = { '__core-js_shared__': true, onunhandledrejection: true };

  function enableOverride(obj, name) {
    var desc = getOwnPropertyDescriptor(obj, name);
    if (!desc || !hasOwn.call(desc, 'value') || !desc.configurable) return;
    var value = desc.value;
    defineProperty(obj, name, {
      get: function () { return value; },
      set: function (v) {
        if (this === obj) {
          throw new TypeError("Cannot assign to read only property '" + String(name) + "' of a built-in");
        }
        // Reached only when `this` has no own `name`; a non-extensible
        // object makes this throw, as the assignment would.
        defineProperty(this, name, { value: v, writable: true, enumerable: true, configurable: true });
      },
      enumerable: desc.enumerable,
      configurable: false
    });
  }

  // core-js's String.prototype.match hands a non-global RegExp to Duktape's
  // native match, which runs Duktape's own exec: the named groups core-js's
  // exec adds were lost. A non-global match is exec by definition
  // (RegExpExec), so call it.
  var coreMatch = String.prototype.match;
  defineProperty(String.prototype, 'match', {
    value: function match(regexp) {
      if (regexp instanceof RegExp && !regexp.global) {
        if (this === null || this === undefined) throw new TypeError('String.prototype.match called on ' + this);
        return regexp.exec(String(this));
      }
      return coreMatch.apply(this, arguments);
    },
    writable: true,
    enumerable: false,
    configurable: true
  });

  var commonlyOverridden = ['constructor', 'toString', 'toLocaleString', 'valueOf', 'name', 'message'];
  var names = ownKeys(global);
  for (var i = 0; i < names.length; i++) {
    if (internal[names[i]] === true) continue;
    var ctor = getOwnPropertyDescriptor(global, names[i]).value;
    if (typeof ctor !== 'function') continue;
    var proto = getOwnPropertyDescriptor(ctor, 'prototype');
    if (!proto || proto.value === null || typeof proto.value !== 'object') continue;
    for (var j = 0; j < commonlyOverridden.length; j++) enableOverride(proto.value, commonlyOverridden[j]);
  }
  // Not push, concat, call, apply or bind, which SES also lists: a shim is a
  // getter call on every read, and these are read in every hot loop; code
  // that assigns them on an instance is rare.
  enableOverride(Array.prototype, Symbol.iterator);
  var iteratorPrototype = getPrototypeOf(getPrototypeOf([][Symbol.iterator]()));
  enableOverride(iteratorPrototype, 'constructor');
  enableOverride(iteratorPrototype, 'toString');

  // Lowered scripts run their top level in a function (see lowering.js)
  // and call this first with the run's global and, for each top-level
  // declaration, [name, getter, setter or null (const), var?]: the
  // declaration becomes an accessor over the function's local, so it is
  // global as in a REPL. A `var` of a name the global already has (a
  // built-in, a session's variable) starts with its value, as `var x` in
  // global code keeps it. A binding that cannot change (undefined, NaN,
  // Infinity) is left as it is, as `var undefined` leaves it.
  defineProperty(global, '__stockade_declare', {
    value: function (target, list) {
      for (var k = 0; k < list.length; k += 4) {
        var current = getOwnPropertyDescriptor(target, list[k]);
        if (current && !current.configurable) continue;
        if (current && list[k + 3] && list[k + 2] && hasOwn.call(current, 'value')) list[k + 2](current.value);
        defineProperty(target, list[k], {
          get: list[k + 1], set: list[k + 2] || undefined, enumerable: true, configurable: true
        });
      }
    },
    writable: false,
    enumerable: false,
    configurable: false
  });

  // Intrinsics no property path reaches, only calls (SES's "anonymous
  // intrinsics"): the prototypes of the iterators built-ins return. The
  // host's walk from the global never meets them, so they must be named
  // here: left unfrozen, one run could replace %ArrayIteratorPrototype%.next
  // and every later run's for...of, spread and Array.from would call it.
  // Their own prototypes (%IteratorPrototype%) the walk takes from there.
  var anonymous = [];
  var makers = [
    function () { return [][Symbol.iterator](); },
    function () { return new Map()[Symbol.iterator](); },
    function () { return new Set()[Symbol.iterator](); },
    function () { return ''[Symbol.iterator](); },
    function () { return 'a'.matchAll(/a/g); },
    function () { return new URLSearchParams('')[Symbol.iterator](); },
    function () { return new Uint8Array(0)[Symbol.iterator](); },
    function () { return (function () { return arguments; })()[Symbol.iterator](); }
  ];
  for (i = 0; i < makers.length; i++) {
    var made;
    // A built-in that has no iterator (typed arrays' and arguments' depend
    // on the build) has no prototype to hide.
    try { made = makers[i](); } catch (e) { continue; }
    var madeProto = made !== null && typeof made === 'object' ? getPrototypeOf(made) : null;
    if (madeProto !== null && anonymous.indexOf(madeProto) < 0) anonymous.push(madeProto);
  }
  host.anonymous = anonymous;

  // The same for programs run in a function by the worker itself
  // (worker/top_level.h), which knows the names only once the function is
  // compiled: get(name) and set(name, value) reach the locals by name.
  defineProperty(global, '__stockade_declare_names', {
    value: function (target, names, get, set) {
      for (var k = 0; k < names.length; k++) {
        var current = getOwnPropertyDescriptor(target, names[k]);
        if (current && !current.configurable) continue;
        defineProperty(target, names[k], {
          get: bindName(get, names[k]), set: bindName(set, names[k]), enumerable: true, configurable: true
        });
      }
    },
    writable: false,
    enumerable: false,
    configurable: false
  });
  function bindName(fn, name) {
    return function (value) { return fn(name, value); };
  }

  // The bindings each run's global gets, with their attributes as they are
  // before the template itself is frozen.
  var bindings = [];
  var globalNames = ownKeys(global);
  for (i = 0; i < globalNames.length; i++) {
    if (internal[globalNames[i]] === true) continue;
    var b = getOwnPropertyDescriptor(global, globalNames[i]);
    if (!hasOwn.call(b, 'value')) throw new TypeError('global ' + String(globalNames[i]) + ' is an accessor');
    bindings.push(globalNames[i], b.value, (b.writable ? 1 : 0) | (b.enumerable ? 2 : 0) | (b.configurable ? 4 : 0));
  }
  host.bindings = bindings;
  host.internal = Object.keys(internal);

  // What is left is done by the host (Environments::Install), natively:
  // freezing everything reachable from this global and from
  // host.anonymous, once each.

})(globalThis, host);
