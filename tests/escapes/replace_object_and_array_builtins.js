// expect: OK
// why: sabotage Object.prototype.toString, Object.keys and the Array
//   methods an encoder might lean on (map, join, push, forEach...); what is
//   frozen stays as it was, what is a binding of the run's global changes
// expect-value: {"list":[1,2,3],"nested":{"x":"y"},"empty":[]}
function attempt(f) { try { f(); } catch (e) { } }
attempt(function () { Object.prototype.toString = function () { throw new Error('toString hijacked'); }; });
attempt(function () { Object.prototype.hasOwnProperty = function () { throw new Error('hasOwnProperty hijacked'); }; });
attempt(function () { Object.keys = function () { throw new Error('keys hijacked'); }; });
attempt(function () { Object.getOwnPropertyNames = function () { throw new Error('names hijacked'); }; });
['map', 'join', 'push', 'forEach', 'concat', 'slice', 'toString', 'indexOf', 'reduce'].forEach(function (m) {
  attempt(function () { Array.prototype[m] = function () { throw new Error(m + ' hijacked'); }; });
});
attempt(function () { Array.isArray = function () { return false; }; });
Object = null;
Array = null;
({ list: [1, 2, 3], nested: { x: 'y' }, empty: [] });
