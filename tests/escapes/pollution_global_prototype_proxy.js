// expect: OK
// why: put a throwing Proxy in the global object's prototype chain, so any
//   lookup of an unknown global name (by the host or the next run) throws
// expect-value: "trapped"
// then: [typeof notDefinedAnywhere, Object.getPrototypeOf(globalThis) === Object.prototype]
// then-expect-value: ["undefined",true]
var trap = new Proxy({}, {
  get: function () { throw new Error('get trap'); },
  has: function () { throw new Error('has trap'); }
});
Object.setPrototypeOf(globalThis, trap);
'trapped';
