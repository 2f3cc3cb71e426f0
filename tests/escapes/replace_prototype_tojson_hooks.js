// expect: OK
// why: Object.prototype.toJSON and Date.prototype.toJSON would be honoured
//   by JSON itself (standard semantics), but the prototypes are frozen: the
//   assignments do nothing, in this run or the next
// expect-value: {"d":"1970-01-01T00:00:00.000Z","o":{}}
// then: JSON.stringify([{}, new Date(0)])
// then-expect-value: "[{},\"1970-01-01T00:00:00.000Z\"]"
Object.prototype.toJSON = function () { return 'object hook'; };
Date.prototype.toJSON = function () { return 'date hook'; };
var v = Object.create(null);
v.d = new Date(0);
v.o = {};
v;
