// A session's state: what a run leaves in its global, encoded to JSON when
// the run ends and defined again in the next run's global (issue 13;
// docs/DESIGN.md, "Session state, version 2").
//
// What is kept is what survives a structured clone: JSON values, undefined,
// NaN, the infinities and -0, Date, RegExp, Map, Set, Error, ArrayBuffer
// and typed arrays, arrays and plain objects, with shared references and
// cycles as they were; and functions and classes a top-level declaration
// made, by the source text that made them (worker/function_sources.h keeps
// the run's record of them, by identity), re-created in the next run, so
// an instance of a kept class keeps its prototype. What cannot be kept
// (other functions: closures, bound functions, methods; symbols; host
// objects) is left out and named in `dropped`, by path ("fmt",
// "cfg.onError").
//
// Runs in the prelude's scope: every name it uses resolves to the frozen
// intrinsics of the template global, never to what a run rebound.
//
// host (out): session = {
//   capture(global, skip, last, hasLast, registry) -> JSON text of
//       { state: the encoded state (JSON text), variables: [{name, bytes}], dropped: [path] }
//   restore(global, state, registry)               -> undefined (throws on a malformed state)
// }
// registry: the run's record of function sources, flat [fn, name, text,
// prologue, kind] (worker/function_sources.h); restore adds what it
// re-creates, and what it could not re-create as registry.lost.
(function (host) {
  'use strict';
  var VERSION = 2;
  var ENTRY = 5;  // a registry entry's fields
  var hasOwn = Object.prototype.hasOwnProperty;
  var toString = Object.prototype.toString;
  var getOwnPropertyNames = Object.getOwnPropertyNames;
  var keys = Object.keys;
  var defineProperty = Object.defineProperty;
  var stringify = JSON.stringify;
  var parse = JSON.parse;
  var isArray = Array.isArray;
  var getPrototypeOf = Object.getPrototypeOf;
  var getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  var objectCreate = Object.create;
  var objectPrototype = Object.prototype;
  var makeFunction = Function;
  // What a kept function's name must look like: it is spliced into the
  // code that re-creates it.
  var identifier = /^[A-Za-z_$\u00aa-\uffff][A-Za-z0-9_$\u00aa-\uffff]*$/;
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

  function capture(global, skip, last, hasLast, registry) {
    var objects = [];     // encoded objects, by id
    var seen = new Map(); // object -> id
    var dropped = [];
    registry = isArray(registry) ? registry : [];
    var entryOf = null;   // function -> its registry entry's index (built on first need)
    var classOf = null;   // a kept function's prototype object -> the function
    var fnRefs = null;    // registry index -> the shared {f: i} reference (made on first need)
    var used = [];        // registry indices of the kept functions, as met

    function entries() {
      if (entryOf === null) {
        entryOf = new Map();
        for (var e = 0; e < registry.length; e += ENTRY) {
          var had = entryOf.get(registry[e]);
          // The first registration with a text wins.
          if (had === undefined || (registry[had + 2] === null && registry[e + 2] !== null)) {
            entryOf.set(registry[e], e);
          }
        }
      }
      return entryOf;
    }
    function number(n) {
      if (n !== n) return { n: 'NaN' };
      if (n === Infinity) return { n: 'Infinity' };
      if (n === -Infinity) return { n: '-Infinity' };
      if (n === 0 && 1 / n < 0) return { n: '-0' };
      return n;
    }
    // The reference to `v`, or undefined when it cannot be kept. quiet: a
    // function that is not kept is not named (a kept function's own
    // properties: its source makes them again, as a class's static methods).
    function ref(v, path, quiet) {
      switch (typeof v) {
        case 'string': case 'boolean': return v;
        case 'number': return number(v);
        case 'undefined': return { u: 1 };
        case 'symbol': dropped.push(path + ': a Symbol'); return undefined;
        case 'function': return fnRef(v, path, quiet);
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
    // A function is kept only if it is the very object a recorded
    // declaration made (or a restore re-made): identity, never likeness.
    function fnRef(v, path, quiet) {
      var at = entries().get(v);
      if (at === undefined || registry[at + 2] === null) {
        if (!quiet) {
          dropped.push(path + (at === undefined ? ': a function not declared at top level'
                                                : ': a function whose source could not be recorded'));
        }
        return undefined;
      }
      if (fnRefs === null) fnRefs = new Map();
      var r = fnRefs.get(at);
      if (r === undefined) {
        r = { f: -1 };  // numbered once all are known
        fnRefs.set(at, r);
        used.push(at);
        // Its own enumerable properties (fmt.cache, a class's static
        // fields) as they are now.
        var props = properties(v, path, {}, false, true);
        if (keys(props).length > 0) r.props = props;
      }
      return r;
    }
    function properties(v, path, out, skipIndexes, quiet) {
      var names = keys(v);
      for (var i = 0; i < names.length; i++) {
        var k = names[i];
        if (skipIndexes && String(k >>> 0) === k && (k >>> 0) !== 4294967295) continue;
        var r = ref(v[k], path + '.' + k, quiet);
        if (r !== undefined) out[k] = r;
      }
      return out;
    }
    // The kept function whose `prototype` is proto, if any.
    function classFor(proto) {
      if (classOf === null) {
        classOf = new Map();
        var byFn = entries();
        for (var e = 0; e < registry.length; e += ENTRY) {
          if (registry[e + 2] === null || byFn.get(registry[e]) !== e) continue;
          var desc = getOwnPropertyDescriptor(registry[e], 'prototype');
          if (desc && desc.value !== null && typeof desc.value === 'object' && !classOf.has(desc.value)) {
            classOf.set(desc.value, registry[e]);
          }
        }
      }
      return classOf.get(proto);
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
      var out = { t: 'O' };
      // An instance of a kept class comes back with its prototype.
      var proto = registry.length > 0 ? getPrototypeOf(v) : null;
      if (proto !== null && proto !== objectPrototype) {
        var ctor = classFor(proto);
        if (ctor !== undefined) out.c = fnRef(ctor, path + '.constructor', true);
      }
      out.p = properties(v, path, {}, false);
      return out;
    }

    var bindings = [];
    var variables = [];
    var names = getOwnPropertyNames(global);
    for (var i = 0; i < names.length; i++) {
      var name = names[i];
      if (hasOwn.call(skip, name) || name === '_') continue;
      var value = global[name];
      // TypeScript's helpers (__extends, __awaiter, ...) a lowered program
      // defined are no variables: they come along when a lowered function
      // that may need them is kept.
      if (typeof value === 'function' && registry.length > 0) {
        var at = entries().get(value);
        if (at !== undefined && registry[at + 4] === 'h' && registry[at + 1] === name) continue;
      }
      var before = objects.length, usedBefore = used.length;
      var r = ref(value, name);
      if (r === undefined) continue;
      bindings.push([name, r]);
      // (JSON.stringify costs microseconds a call: none for what a
      // number or a literal takes.)
      var bytes = typeof r === 'number' ? String(r).length : r === true || r === null ? 4 : r === false ? 5
                                                                                        : stringify(r).length;
      if (objects.length > before) bytes += stringify(objects.slice(before)).length;
      for (var u = usedBefore; u < used.length; u++) bytes += registry[used[u] + 2].length;
      variables.push({ name: name, bytes: bytes });
    }
    var state = { v: VERSION, b: bindings, o: objects };
    // `_` is the last run's value that was one: this run's, or the one
    // the session had (restored into this global) when this run had none.
    if (hasLast || hasOwn.call(global, '_')) {
      var l = ref(hasLast ? last : global._, '_');
      if (l !== undefined) state.l = l;
    }
    if (used.length > 0) state.f = sources();
    if (isArray(registry.lost)) dropped = registry.lost.concat(dropped);
    return stringify({ state: stringify(state), variables: variables, dropped: dropped });

    // The kept functions' sources in the order they were registered (so
    // each is re-created after what it was created after: a base class
    // before its subclass), TypeScript's helpers first when a lowered one
    // is among them; each {f: i} reference numbered accordingly.
    function sources() {
      var lowered = false;
      for (var k = 0; k < used.length; k++) lowered = lowered || registry[used[k] + 4] === 'l';
      if (lowered) {
        var helperNames = {};
        for (var e = 0; e < registry.length; e += ENTRY) {
          if (registry[e + 4] !== 'h' || registry[e + 2] === null || hasOwn.call(helperNames, registry[e + 1])) continue;
          helperNames[registry[e + 1]] = true;
          if (!fnRefs.has(e) && entries().get(registry[e]) === e) {
            fnRefs.set(e, { f: -1 });
            used.push(e);
          }
        }
      }
      used.sort(function (a, b) { return a - b; });
      var list = [];
      for (var n = 0; n < used.length; n++) {
        var at = used[n];
        var r = fnRefs.get(at);
        r.f = n;
        var entry = { n: registry[at + 1], s: registry[at + 2], k: registry[at + 4] };
        if (registry[at + 3]) entry.w = registry[at + 3];
        if (r.props !== undefined) {
          entry.p = r.props;
          delete r.props;
        }
        list.push(entry);
      }
      return list;
    }
  }

  function restore(global, text, registry) {
    var state = parse(text);
    if (state === null || typeof state !== 'object' || (state.v !== 1 && state.v !== VERSION) ||
        !isArray(state.b) || !isArray(state.o) || (state.f !== undefined && (state.v === 1 || !isArray(state.f)))) {
      throw new TypeError('session state: not version 1 or ' + VERSION);
    }
    registry = isArray(registry) ? registry : [];
    var LOST = {};   // a function that could not be re-created
    var made = [];
    var fns = [];
    var lost = [];
    function special(r) {
      if (hasOwn.call(r, 'u')) return undefined;
      if (hasOwn.call(r, 'n')) return r.n === '-0' ? -0 : Number(r.n);
      throw new TypeError('session state: a malformed value');
    }
    function define(name, v) {
      defineProperty(global, name, { value: v, writable: true, enumerable: true, configurable: true });
    }

    // Functions first, each by running its source in this run's global
    // scope (free names are the session's globals, as they were), in the
    // order they were first made, each defined on the global at once (a
    // subclass's source names its base class). Within the run's limits like
    // everything a restore does. A source that does not compile is a
    // malformed state; one that throws (a base class that is gone) is lost
    // and named in this run's `dropped`, not a session that can no longer
    // run.
    var sources = state.f || [];
    var fromSource = {};
    for (var s = 0; s < sources.length; s++) {
      var src = sources[s];
      if (src === null || typeof src !== 'object' || typeof src.n !== 'string' || !identifier.test(src.n) ||
          typeof src.s !== 'string' || (src.w !== undefined && typeof src.w !== 'string') ||
          (src.k !== 'h' && src.k !== 'l' && src.k !== 'e')) {
        throw new TypeError('session state: a malformed function');
      }
      var create;
      try {
        create = makeFunction((src.w || '') + '\nvar ' + src.n + ';\n' + src.s + '\n;return ' + src.n + ';');
      } catch (e) {
        throw new TypeError('session state: the source of ' + src.n + ' does not compile: ' + describe(e));
      }
      var fn;
      try {
        fn = create.call(global);
      } catch (e2) {
        lost.push(src.n + ': a function that could not be re-created (' + describe(e2) + ')');
        fns.push(LOST);
        continue;
      }
      if (typeof fn !== 'function') throw new TypeError('session state: the source of ' + src.n + ' makes no function');
      fns.push(fn);
      define(src.n, fn);
      fromSource[src.n] = fn;
      registry.push(fn, src.n, src.s, src.w || '', src.k);
    }
    function fnValue(r) {
      if (typeof r.f !== 'number' || r.f < 0 || r.f >= fns.length || r.f % 1 !== 0) {
        throw new TypeError('session state: a dangling function reference');
      }
      return fns[r.f];
    }

    // Objects next (empty), then their contents: references may point
    // forward and round.
    function make(o) {
      switch (o.t) {
        case 'A': return [];
        case 'O': {
          if (o.c === undefined) return {};
          // An instance of a kept class; a plain object if it was lost.
          var ctor = o.c !== null && typeof o.c === 'object' ? fnValue(o.c) : undefined;
          var proto = typeof ctor === 'function' ? ctor.prototype : undefined;
          return proto !== null && typeof proto === 'object' ? objectCreate(proto) : {};
        }
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
    // The value of reference r; LOST for a function that was lost.
    function value(r) {
      if (r === null || typeof r !== 'object') return r;
      if (hasOwn.call(r, '#')) {
        if (typeof r['#'] !== 'number' || r['#'] < 0 || r['#'] >= made.length) {
          throw new TypeError('session state: a dangling reference');
        }
        return made[r['#']];
      }
      if (hasOwn.call(r, 'f')) return fnValue(r);
      return special(r);
    }
    function fill(target, props) {
      var names = keys(props || {});
      for (var k = 0; k < names.length; k++) {
        var v = value(props[names[k]]);
        if (v !== LOST) target[names[k]] = v;
      }
    }
    for (i = 0; i < state.o.length; i++) {
      var o = state.o[i], m = made[i];
      if (o.t === 'A') {
        for (var j = 0; j < o.e.length; j++) {
          var ev = value(o.e[j]);
          m[j] = ev === LOST ? undefined : ev;
        }
        fill(m, o.p);
      } else if (o.t === 'O') {
        fill(m, o.p);
      } else if (o.t === 'M') {
        for (j = 0; j < o.e.length; j++) {
          var mk = value(o.e[j][0]), mv = value(o.e[j][1]);
          if (mk !== LOST && mv !== LOST) m.set(mk, mv);
        }
      } else if (o.t === 'S') {
        for (j = 0; j < o.e.length; j++) {
          var sv = value(o.e[j]);
          if (sv !== LOST) m.add(sv);
        }
      }
    }
    for (s = 0; s < sources.length; s++) {
      if (fns[s] !== LOST && sources[s].p !== undefined) fill(fns[s], sources[s].p);
    }

    var bound = {};
    for (i = 0; i < state.b.length; i++) {
      var name = String(state.b[i][0]);
      var bv = value(state.b[i][1]);
      if (bv === LOST) continue;
      bound[name] = true;
      define(name, bv);
    }
    if (hasOwn.call(state, 'l')) {
      var lv = value(state.l);
      if (lv !== LOST) define('_', lv);
    }
    // A function's name that is no binding (it was reassigned, or kept only
    // through an object) goes again, except TypeScript's helpers, which
    // restored lowered functions call.
    for (s = 0; s < sources.length; s++) {
      var n = sources[s].n;
      if (fns[s] !== LOST && sources[s].k !== 'h' && !hasOwn.call(bound, n) && global[n] === fromSource[n]) {
        delete global[n];
      }
    }
    if (lost.length > 0) registry.lost = lost;
  }

  // An error's text, whatever it is (its toString may throw).
  function describe(e) {
    try {
      return String(e);
    } catch (ignored) {
      return 'an error';
    }
  }

  host.session = { capture: capture, restore: restore };
})(host);
