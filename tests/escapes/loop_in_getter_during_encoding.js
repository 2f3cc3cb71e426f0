// expect: TIMEOUT
// why: an infinite loop inside a getter that only runs when the worker
//   encodes the completion value, i.e. after the script body has returned
// timeout_ms: 300
var value = { ok: 1 };
Object.defineProperty(value, 'trap', { enumerable: true, get: function () { for (;;) {} } });
value;
