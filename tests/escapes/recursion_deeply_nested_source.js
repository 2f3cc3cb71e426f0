// expect: RUNTIME_ERROR
// why: eval of 100000 nested parentheses and JSON.parse of 100000 nested
//   arrays: the compiler and the parser recurse on the C stack
// expect-error-name: RangeError
var errors = [];
try { JSON.parse(new Array(100001).join('[')); } catch (e) { errors.push(e.name); }
eval(new Array(100001).join('(') + '1' + new Array(100001).join(')'));
