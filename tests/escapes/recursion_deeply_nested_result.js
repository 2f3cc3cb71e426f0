// expect: RUNTIME_ERROR
// why: a completion value nested 100000 arrays deep, so the result encoder
//   itself must refuse to recurse that far
// expect-detail-contains: cannot be encoded as JSON
var v = [];
for (var i = 0; i < 100000; i++) v = [v];
v;
