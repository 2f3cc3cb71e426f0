// expect: OK
// why: console.log(a, a, a) with a 40 MB string: formatting the line must
//   not copy 120 MB out of the heap (the worker used to die of it)
// timeout_ms: 3000
// expect-value: "done"
// expect-truncated: true
var a = 'z'.repeat(40e6);
console.log(a, a, a);
'done';
