// expect: RUNTIME_ERROR
// why: an Error whose name and stack getters throw the error itself, so
//   every fallback that reads it throws again
// expect-error-message-contains: x
var e = new Error('x');
Object.defineProperty(e, 'stack', { get: function () { throw e; } });
Object.defineProperty(e, 'name', { get: function () { throw e; } });
throw e;
