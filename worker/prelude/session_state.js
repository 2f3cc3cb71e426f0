// A session's state: what a run leaves in its global, encoded to JSON when
// the run ends and defined again in the next run's global (issue 13;
// docs/DESIGN.md, "Session state, version 2"). The encoding and decoding
// are native (worker/session_capture.h, worker/session_restore.h); this is
// what they need of JavaScript: the frozen intrinsics they make values
// with, core-js's Map and Set entries, and re-creating kept functions from
// their sources.
//
// Runs in the prelude's scope: every name it uses resolves to the frozen
// intrinsics of the template global, never to what a run rebound.
//
// host (out): session = {
//   recreate(global, sources, registry) -> [function or null (lost)]
//   makeBuffer(kind, elements)          -> an ArrayBuffer or typed array
//   readMap(map), readSet(set)          -> [k, v, ...], [v, ...]
//   fillMap(map, list), fillSet(set, list)
//   and intrinsics: toStringTag, objectPrototype, dateGetTime, Date,
//   RegExp, Map, Set, errorCtors
// }
// registry: the run's record of function sources, flat [fn, name, text,
// prologue, kind] (worker/function_sources.h); recreate adds what it
// re-creates, and what it could not re-create as registry.lost.
(function (host) {
  'use strict';
  var hasOwn = Object.prototype.hasOwnProperty;
  var defineProperty = Object.defineProperty;
  var isArray = Array.isArray;
  var makeFunction = Function;
  // What a kept function's name must look like: it is spliced into the
  // code that re-creates it.
  var identifier = /^[A-Za-z_$\u00aa-\uffff][A-Za-z0-9_$\u00aa-\uffff]*$/;
  var TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
    'Uint32Array', 'Float32Array', 'Float64Array'];
  var typedCtor = {};
  for (var t = 0; t < TYPED.length; t++) typedCtor[TYPED[t]] = globalThis[TYPED[t]];

  // The error types a structured clone keeps as such.
  var errorCtors = {
    Error: Error, EvalError: EvalError, RangeError: RangeError, ReferenceError: ReferenceError,
    SyntaxError: SyntaxError, TypeError: TypeError, URIError: URIError
  };

  // Functions, each by running its source in this run's global scope (free
  // names are the session's globals, as they were), in the order they were
  // first made, each defined on the global at once (a subclass's source
  // names its base class). Within the run's limits like everything a
  // restore does. A source that does not compile is a malformed state; one
  // that throws (a base class that is gone) is lost (null) and named in this
  // run's `dropped`, not a session that can no longer run.
  function recreate(global, sources, registry) {
    var fns = [];
    var lost = [];
    for (var s = 0; s < sources.length; s++) {
      var src = sources[s];
      if (typeof src.n !== 'string' || !identifier.test(src.n) || typeof src.s !== 'string' ||
          (src.w !== undefined && typeof src.w !== 'string') || (src.k !== 'h' && src.k !== 'l' && src.k !== 'e')) {
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
        fns.push(null);
        continue;
      }
      if (typeof fn !== 'function') throw new TypeError('session state: the source of ' + src.n + ' makes no function');
      fns.push(fn);
      defineProperty(global, src.n, { value: fn, writable: true, enumerable: true, configurable: true });
      registry.push(fn, src.n, src.s, src.w || '', src.k);
    }
    if (lost.length > 0) registry.lost = lost;
    return fns;
  }

  function makeBuffer(kind, elements) {
    if (kind === 'ArrayBuffer') return new Uint8Array(elements).buffer;
    if (!hasOwn.call(typedCtor, kind)) throw new TypeError('session state: an unknown buffer kind');
    return new typedCtor[kind](elements);
  }

  // An error's text, whatever it is (its toString may throw).
  function describe(e) {
    try {
      return String(e);
    } catch (ignored) {
      return 'an error';
    }
  }

  host.session = {
    recreate: recreate,
    makeBuffer: makeBuffer,
    readMap: host.collectionMap.read,
    readSet: host.collectionSet.read,
    fillMap: host.collectionMap.fill,
    fillSet: host.collectionSet.fill,
    toStringTag: Symbol.toStringTag,
    objectPrototype: Object.prototype,
    dateGetTime: Date.prototype.getTime,
    Date: Date,
    RegExp: RegExp,
    Map: Map,
    Set: Set,
    errorCtors: errorCtors,
    isArray: isArray
  };
})(host);
