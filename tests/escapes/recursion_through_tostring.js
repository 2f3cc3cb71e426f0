// expect: RUNTIME_ERROR
// why: recursion through implicit String() coercion, i.e. through native
//   frames, which the C stack must survive
// expect-error-name: RangeError
var o = { toString: function () { return String(this); } };
String(o);
