// expect: OK
// why: call the console binding in ways it was not written for: as a
//   constructor (Duktape lets a native function construct; it just logs),
//   with a foreign this, detached, with 100000 arguments, with a throwing
//   Proxy argument, and from a getter on its own arguments
// expect-value: ["constructed","ok"]
// expect-console-contains: detached
var r = [];
try { new console.log('as a constructor'); r.push('constructed'); } catch (e) { r.push(e.name); }
console.log.call(null, 'foreign this');
var detached = console.warn;
detached('detached');
var many = [];
for (var i = 0; i < 100000; i++) many.push(i);
console.log.apply(console, many);
console.log(new Proxy({}, { get: function () { throw new Error('trap'); }, ownKeys: function () { throw new Error('trap'); } }));
console.log({ get x() { console.log('inner from a getter'); return 1; } });
r.push('ok');
r;
