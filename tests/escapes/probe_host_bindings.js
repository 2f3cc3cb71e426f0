// expect: OK
// why: look for host bindings by name: module loaders, process access,
//   shells, Duktape's own object and its hooks (timers are not among them:
//   they are the run's own event loop, inside the sandbox)
// expect-value: []
var names = ['require', 'process', 'module', 'exports', 'Duktape', 'print', 'alert', 'load', 'read',
  'readFile', 'writeFile', 'system', 'exec', 'spawn', 'os', 'fs', 'std', 'gc', 'quit', 'exit',
  'fetch', 'XMLHttpRequest', 'WebAssembly', 'modSearch', 'hostile'];
var found = [];
names.forEach(function (n) { if (typeof globalThis[n] !== 'undefined') found.push(n); });
try { if (typeof Duktape.modSearch !== 'undefined') found.push('Duktape.modSearch'); } catch (e) {}
try { if (typeof Duktape.act !== 'undefined') found.push('Duktape.act'); } catch (e) {}
found;
