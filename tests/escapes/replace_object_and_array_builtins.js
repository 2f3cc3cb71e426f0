// expect: OK
// why: sabotage Object.prototype.toString, Object.keys and the Array
//   methods an encoder might lean on (map, join, push, forEach...)
// expect-value: {"list":[1,2,3],"nested":{"x":"y"},"empty":[]}
Object.prototype.toString = function () { throw new Error('toString hijacked'); };
Object.prototype.hasOwnProperty = function () { throw new Error('hasOwnProperty hijacked'); };
Object.keys = function () { throw new Error('keys hijacked'); };
Object.getOwnPropertyNames = function () { throw new Error('names hijacked'); };
['map', 'join', 'push', 'forEach', 'concat', 'slice', 'toString', 'indexOf', 'reduce'].forEach(function (m) {
  Array.prototype[m] = function () { throw new Error(m + ' hijacked'); };
});
Array.isArray = function () { return false; };
({ list: [1, 2, 3], nested: { x: 'y' }, empty: [] });
