// expect: OK
// why: list every own property of the global object (enumerable or not,
//   symbols too) and report anything outside ECMAScript and the few known
//   Duktape built-ins, none of which reaches the host
// expect-value: []
(function () {
  var standard = ['Array', 'ArrayBuffer', 'Boolean', 'DataView', 'Date', 'Error', 'EvalError', 'Float32Array',
    'Float64Array', 'Function', 'Infinity', 'Int16Array', 'Int32Array', 'Int8Array', 'JSON', 'Math', 'NaN',
    'Number', 'Object', 'Proxy', 'RangeError', 'ReferenceError', 'Reflect', 'RegExp', 'String', 'Symbol',
    'SyntaxError', 'TypeError', 'URIError', 'Uint16Array', 'Uint32Array', 'Uint8Array', 'Uint8ClampedArray',
    'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'eval', 'globalThis',
    'isFinite', 'isNaN', 'parseFloat', 'parseInt', 'undefined', 'unescape',
    'AggregateError', 'Map', 'Promise', 'Set', 'WeakMap', 'WeakSet'];
  // The web platform's pure parts (the standard library's, and the run's
  // own event loop).
  var web = ['atob', 'btoa', 'DOMException', 'structuredClone', 'URL', 'URLSearchParams', 'queueMicrotask',
    'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'];
  // Pure computation built into Duktape (no I/O, no host state), and ours.
  // __stockade_declare(_names): lowered scripts, and programs the worker
  // runs in a function, declare their top level with them (they only define
  // accessors on the global they are given). __stockade_sources and
  // __stockade_hoisted record the sources of a session run's top-level
  // functions in the run's own global (worker/function_sources.h; outside a
  // session they do nothing).
  var known = ['TextDecoder', 'TextEncoder', 'performance', 'console', '__stockade_declare',
    '__stockade_declare_names', '__stockade_sources', '__stockade_hoisted'];
  var extra = Object.getOwnPropertyNames(globalThis).filter(function (n) {
    return standard.indexOf(n) < 0 && known.indexOf(n) < 0 && web.indexOf(n) < 0;
  });
  return extra.concat(Object.getOwnPropertySymbols(globalThis).map(String));
})();
