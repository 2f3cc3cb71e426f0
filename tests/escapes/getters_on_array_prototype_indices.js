// expect: OK
// why: a getter on Array.prototype[0] would fill holes of every array during
//   encoding (standard semantics); the built-ins are frozen, so defining it
//   fails, and the next run finds holes as holes
// expect-value: ["TypeError",[null,null]]
// then: var a = []; a.length = 2; a
// then-expect-value: [null,null]
var outcome = 'defined';
try {
  Object.defineProperty(Array.prototype, 0, { get: function () { return 'from the prototype'; } });
} catch (e) {
  outcome = e.name;
}
var a = [];
a.length = 2;
[outcome, a];
