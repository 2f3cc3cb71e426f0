// expect: RUNTIME_ERROR
// why: a getter met by the result encoder calls JSON.stringify on its own
//   object: encoder inside encoder until the native depth limit
// expect-detail-contains: cannot be encoded as JSON
var o = {};
Object.defineProperty(o, 'x', { enumerable: true, get: function () { return JSON.stringify(o); } });
o;
