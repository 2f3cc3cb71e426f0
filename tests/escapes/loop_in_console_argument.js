// expect: TIMEOUT
// why: console.log formats its argument through toJSON, which spins: the
//   loop runs inside the host's console binding
// timeout_ms: 300
console.log('before');
console.log({ toJSON: function () { for (;;) {} } });
