// expect: RUNTIME_ERROR
// why: throw a Proxy whose every trap throws
// expect-detail-contains: uncaught exception
var handler = {};
['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'apply'].forEach(function (t) {
  handler[t] = function () { throw new Proxy({}, handler); };
});
throw new Proxy({}, handler);
