// expect: OK
// why: Object.prototype.toJSON and Date.prototype.toJSON are honoured by JSON
//   itself (standard semantics: the script chooses its own value), but
//   they must not outlive the run
// expect-value: {"d":"date hook","o":"object hook"}
// then: JSON.stringify([{}, new Date(0)])
// then-expect-value: "[{},\"1970-01-01T00:00:00.000Z\"]"
Object.prototype.toJSON = function () { return 'object hook'; };
Date.prototype.toJSON = function () { return 'date hook'; };
var v = Object.create(null);
v.d = new Date(0);
v.o = {};
v;
