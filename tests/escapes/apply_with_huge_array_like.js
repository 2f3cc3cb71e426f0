// expect: RUNTIME_ERROR
// why: Function.prototype.apply with an array-like of length 1e9: the
//   arguments would be copied onto the value stack
// expect-error-name: RangeError
Math.max.apply(null, { length: 1e9 });
