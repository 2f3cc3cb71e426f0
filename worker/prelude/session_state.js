// A session's state: what a run leaves in its global, encoded to JSON when
// the run ends and defined again in the next run's global (issue 13;
// docs/DESIGN.md, "Session state, version 1").
//
// What is kept is what survives a structured clone: JSON values, undefined,
// NaN, the infinities and -0, Date, RegExp, Map, Set, Error, ArrayBuffer
// and typed arrays, arrays and plain objects (an instance of a class is kept
// as a plain object, as structuredClone keeps it), with shared references
// and cycles as they were. What cannot be kept (functions, symbols, Proxy
// traps are not visible, host objects) is left out and named in `dropped`,
// by path ("fmt", "cfg.onError").
//
// Runs in the prelude's scope: every name it uses resolves to the frozen
// intrinsics of the template global, never to what a run rebound.
//
// host (out): session = {
//   capture(global, skip, last, hasLast) -> JSON text of
//       { state: the encoded state (JSON text), variables: [{name, bytes}], dropped: [path] }
//   restore(global, state)               -> undefined (throws on a malformed state)
// }
(function (host) {
  'use strict';
  var VERSION = 1;
  var hasOwn = Object.prototype.hasOwnProperty;
  var toString = Object.prototype.toString;
  var getOwnPropertyNames = Object.getOwnPropertyNames;
  var keys = Object.keys;
  var defineProperty = Object.defineProperty;
  var stringify = JSON.stringify;
  var parse = JSON.parse;
  var isArray = Array.isArray;
  var mapForEach = Map.prototype.forEach;
  var setForEach = Set.prototype.forEach;
  var dateGetTime = Date.prototype.getTime;
  var TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
    'Uint32Array', 'Float32Array', 'Float64Array'];
  var typedCtor = {};
  for (var t = 0; t < TYPED.length; t++) typedCtor[TYPED[t]] = globalThis[TYPED[t]];

  // The error types a structured clone keeps as such.
  var errorCtor = {
    Error: Error, EvalError: EvalError, RangeError: RangeError, ReferenceError: ReferenceError,
    SyntaxError: SyntaxError, TypeError: TypeError, URIError: URIError
  };

  function tagOf(v) { return toString.call(v).slice(8, -1); }

  function capture(global, skip, last, hasLast) {
    var objects = [];     // encoded objects, by id
    var seen = new Map(); // object -> id
    var dropped = [];

    function number(n) {
      if (n !== n) return { n: 'NaN' };
      if (n === Infinity) return { n: 'Infinity' };
      if (n === -Infinity) return { n: '-Infinity' };
      if (n === 0 && 1 / n < 0) return { n: '-0' };
      return n;
    }
    // The reference to `v`, or undefined when it cannot be kept.
    function ref(v, path) {
      switch (typeof v) {
        case 'string': case 'boolean': return v;
        case 'number': return number(v);
        case 'undefined': return { u: 1 };
        case 'symbol': dropped.push(path + ': a Symbol'); return undefined;
        case 'function': dropped.push(path + ': a function'); return undefined;
      }
      if (v === null) return null;
      if (seen.has(v)) return { '#': seen.get(v) };
      var id = objects.length;
      seen.set(v, id);
      objects.push(null);
      var encoded = object(v, path);
      if (encoded === undefined) {
        seen['delete'](v);
        objects.pop();
        return undefined;
      }
      objects[id] = encoded;
      return { '#': id };
    }
    function properties(v, path, out, skipIndexes) {
      var names = keys(v);
      for (var i = 0; i < names.length; i++) {
        var k = names[i];
        if (skipIndexes && String(k >>> 0) === k && (k >>> 0) !== 4294967295) continue;
        var r = ref(v[k], path + '.' + k);
        if (r !== undefined) out[k] = r;
      }
      return out;
    }
    function object(v, path) {
      var tag = tagOf(v);
      if (isArray(v)) {
        var e = [];
        for (var i = 0; i < v.length; i++) {
          var r = ref(v[i], path + '[' + i + ']');
          e.push(r === undefined ? { u: 1 } : r);
        }
        return { t: 'A', e: e, p: properties(v, path, {}, true) };
      }
      switch (tag) {
        case 'Date': return { t: 'D', v: number(dateGetTime.call(v)) };
        case 'RegExp': return { t: 'R', s: v.source, f: v.flags };
        case 'Map': {
          var me = [];
          mapForEach.call(v, function (value, key) {
            var kr = ref(key, path + '<key>');
            var vr = ref(value, path + '.get(' + (typeof key === 'string' ? stringify(key) : '…') + ')');
            if (kr !== undefined && vr !== undefined) me.push([kr, vr]);
          });
          return { t: 'M', e: me };
        }
        case 'Set': {
          var se = [];
          setForEach.call(v, function (value) {
            var r2 = ref(value, path + '<member>');
            if (r2 !== undefined) se.push(r2);
          });
          return { t: 'S', e: se };
        }
        case 'Error': return { t: 'E', n: String(v.name), m: String(v.message), s: String(v.stack || '') };
        case 'ArrayBuffer': return { t: 'B', k: 'ArrayBuffer', d: Array.prototype.slice.call(new Uint8Array(v)) };
      }
      if (typedCtor[tag] !== undefined && v instanceof typedCtor[tag]) {
        return { t: 'B', k: tag, d: Array.prototype.slice.call(v) };
      }
      if (tag !== 'Object' && tag !== 'Arguments') {
        dropped.push(path + ': a ' + tag);
        return undefined;
      }
      return { t: 'O', p: properties(v, path, {}, false) };
    }

    var bindings = [];
    var variables = [];
    var names = getOwnPropertyNames(global);
    for (var i = 0; i < names.length; i++) {
      var name = names[i];
      if (hasOwn.call(skip, name) || name === '_') continue;
      var before = objects.length;
      var r = ref(global[name], name);
      if (r === undefined) continue;
      bindings.push([name, r]);
      variables.push({ name: name, bytes: stringify(r).length + stringify(objects.slice(before)).length });
    }
    var state = { v: VERSION, b: bindings, o: objects };
    // `_` is the last run's value that was one: this run's, or the one
    // the session had (restored into this global) when this run had none.
    if (hasLast || hasOwn.call(global, '_')) {
      var l = ref(hasLast ? last : global._, '_');
      if (l !== undefined) state.l = l;
    }
    return stringify({ state: stringify(state), variables: variables, dropped: dropped });
  }

  function restore(global, text) {
    var state = parse(text);
    if (state === null || typeof state !== 'object' || state.v !== VERSION || !isArray(state.b) ||
        !isArray(state.o)) {
      throw new TypeError('session state: not version ' + VERSION);
    }
    var made = [];
    function special(r) {
      if (hasOwn.call(r, 'u')) return undefined;
      if (hasOwn.call(r, 'n')) return r.n === '-0' ? -0 : Number(r.n);
      throw new TypeError('session state: a malformed value');
    }
    // Objects first (empty), then their contents: references may point
    // forward and round.
    function make(o) {
      switch (o.t) {
        case 'A': return [];
        case 'O': return {};
        case 'D': return new Date(typeof o.v === 'number' ? o.v : special(o.v));
        case 'R': return new RegExp(o.s, o.f);
        case 'M': return new Map();
        case 'S': return new Set();
        case 'E': {
          var Ctor = hasOwn.call(errorCtor, o.n) ? errorCtor[o.n] : Error;
          var e = new Ctor(o.m);
          defineProperty(e, 'name', { value: o.n, writable: true, enumerable: false, configurable: true });
          return e;
        }
        case 'B': {
          if (o.k === 'ArrayBuffer') return new Uint8Array(o.d).buffer;
          if (!hasOwn.call(typedCtor, o.k)) throw new TypeError('session state: an unknown buffer kind');
          return new typedCtor[o.k](o.d);
        }
      }
      throw new TypeError('session state: an unknown object kind');
    }
    for (var i = 0; i < state.o.length; i++) made.push(make(state.o[i]));
    function value(r) {
      if (r === null || typeof r !== 'object') return r;
      if (hasOwn.call(r, '#')) {
        if (typeof r['#'] !== 'number' || r['#'] < 0 || r['#'] >= made.length) {
          throw new TypeError('session state: a dangling reference');
        }
        return made[r['#']];
      }
      return special(r);
    }
    function fill(target, props) {
      var names = keys(props || {});
      for (var k = 0; k < names.length; k++) target[names[k]] = value(props[names[k]]);
    }
    for (i = 0; i < state.o.length; i++) {
      var o = state.o[i], m = made[i];
      if (o.t === 'A') {
        for (var j = 0; j < o.e.length; j++) m[j] = value(o.e[j]);
        fill(m, o.p);
      } else if (o.t === 'O') {
        fill(m, o.p);
      } else if (o.t === 'M') {
        for (j = 0; j < o.e.length; j++) m.set(value(o.e[j][0]), value(o.e[j][1]));
      } else if (o.t === 'S') {
        for (j = 0; j < o.e.length; j++) m.add(value(o.e[j]));
      }
    }
    function define(name, v) {
      defineProperty(global, name, { value: v, writable: true, enumerable: true, configurable: true });
    }
    for (i = 0; i < state.b.length; i++) define(String(state.b[i][0]), value(state.b[i][1]));
    if (hasOwn.call(state, 'l')) define('_', value(state.l));
  }

  host.session = { capture: capture, restore: restore };
})(host);
