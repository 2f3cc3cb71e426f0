// expect: RUNTIME_ERROR
// why: a cyclic completion value
// expect-detail-contains: cyclic
// expect-error-name: TypeError
var a = { name: 'a' }, b = { name: 'b', a: a };
a.b = b;
[a];
