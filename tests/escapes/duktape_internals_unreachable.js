// expect: OK
// why: walk everything reachable from the global object (properties,
//   accessors, prototypes) looking for Duktape's dangerous functions:
//   coroutines (Thread, yield, resume), finalizers (fin), GC control (gc,
//   compact), introspection (info, act) and module loading (modSearch)
// timeout_ms: 3000
// expect-value: []
(function () {
  var wanted = ['Thread', 'yield', 'resume', 'fin', 'gc', 'compact', 'info', 'act', 'modSearch',
    'errCreate', 'errThrow', 'enc', 'dec', 'Pointer', 'env', 'version'];
  var seen = [], queue = [globalThis], found = [];
  function visit(v) {
    if ((typeof v === 'object' || typeof v === 'function') && v !== null && seen.indexOf(v) < 0) {
      seen.push(v);
      queue.push(v);
    }
  }
  while (queue.length) {
    var o = queue.shift();
    visit(Object.getPrototypeOf(o));
    Object.getOwnPropertyNames(o).forEach(function (k) {
      // console.info is ours and harmless.
      if (wanted.indexOf(k) >= 0 && o !== console) found.push(k);
      var d = Object.getOwnPropertyDescriptor(o, k);
      if (!d) return;
      visit(d.get); visit(d.set);
      if ('value' in d) visit(d.value);
    });
  }
  return found;
})();
