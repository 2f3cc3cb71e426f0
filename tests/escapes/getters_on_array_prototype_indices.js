// expect: OK
// why: a getter on Array.prototype[0] fills holes of every array during
//   encoding (standard semantics), and must be gone in the next run
// expect-value: ["from the prototype",null]
// then: var a = []; a.length = 2; a
// then-expect-value: [null,null]
Object.defineProperty(Array.prototype, 0, { get: function () { return 'from the prototype'; } });
var a = [];
a.length = 2;
a;
