// expect: TIMEOUT
// why: a real Error whose message getter spins: the loop runs while the
//   worker builds the error report, after the script body ended
// timeout_ms: 300
var e = new Error('x');
Object.defineProperty(e, 'message', { get: function () { for (;;) {} } });
throw e;
