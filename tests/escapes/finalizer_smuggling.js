// expect: OK
// why: try to build Duktape's hidden finalizer key without the Duktape
//   object (symbols, strings that start with the 0x82/0xFF hidden-symbol
//   prefixes; CBOR, which could make those from raw bytes, is gone) so
//   code would run during garbage collection after the run or in the next
// expect-value: ["undefined","no hidden keys",[130,255]]
// then: var o = {}; for (var i = 0; i < 20000; i++) o = { prev: o }; 'next run undisturbed'
// then-expect-value: "next run undisturbed"
var r = [typeof CBOR];
var victim = {};
victim[Symbol.for('Finalizer')] = function () { console.log('finalizer ran'); };
victim['\u00ffFinalizer'] = victim['\u0082Finalizer'] = victim[Symbol.for('Finalizer')];
r.push(Object.getOwnPropertySymbols(victim).length === 1 ? 'no hidden keys' : 'hidden key visible');
// Script strings are UTF-8 inside: U+0082 is C2 82, never a bare 0x82.
r.push(Object.getOwnPropertyNames(victim).sort().map(function (k) { return k.charCodeAt(0); }));
globalThis.keepAlive = victim;
r;
