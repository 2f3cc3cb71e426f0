// expect: OK
// why: try to build Duktape's hidden finalizer key without the Duktape
//   object (symbols, CBOR with the 0x82/0xFF hidden-symbol prefixes) so
//   code would run during garbage collection after the run or in the next
// expect-value: ["TypeError","TypeError","no hidden keys"]
// then: var o = {}; for (var i = 0; i < 20000; i++) o = { prev: o }; 'next run undisturbed'
// then-expect-value: "next run undisturbed"
var r = [];
try { CBOR.decode(new Uint8Array([0x6a, 0x82, 0x46, 0x69, 0x6e, 0x61, 0x6c, 0x69, 0x7a, 0x65, 0x72])); r.push('made'); } catch (e) { r.push(e.name); }
try { CBOR.decode(new Uint8Array([0x6a, 0xff, 0x46, 0x69, 0x6e, 0x61, 0x6c, 0x69, 0x7a, 0x65, 0x72])); r.push('made'); } catch (e) { r.push(e.name); }
var victim = {};
victim[Symbol.for('Finalizer')] = function () { console.log('finalizer ran'); };
victim['\u00ffFinalizer'] = victim['\u0082Finalizer'] = victim[Symbol.for('Finalizer')];
r.push(Object.getOwnPropertySymbols(victim).length === 1 ? 'no hidden keys' : 'hidden key visible');
globalThis.keepAlive = victim;
r;
