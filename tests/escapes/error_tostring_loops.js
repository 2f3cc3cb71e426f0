// expect: TIMEOUT
// why: an Error whose toString never returns; Duktape's stack accessor calls
//   it while the worker reads the stack for the report
// timeout_ms: 300
var e = new Error('m');
e.toString = function () { for (;;) {} };
throw e;
