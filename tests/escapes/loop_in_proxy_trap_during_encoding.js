// expect: TIMEOUT
// why: a Proxy whose ownKeys trap never returns, met by the result encoder
// timeout_ms: 300
new Proxy({}, { ownKeys: function () { for (;;) {} } });
