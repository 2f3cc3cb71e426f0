// expect: OK
// why: values JSON cannot represent, at the top and nested, including a
//   symbol-keyed property and a getter returning a function
// expect-value: {"list":[null,null,null],"n":null}
var o = { list: [Symbol('s'), function () {}, undefined], n: NaN, f: function () {} };
o[Symbol('k')] = 1;
Object.defineProperty(o, 'g', { enumerable: true, get: function () { return function () {}; } });
o;
