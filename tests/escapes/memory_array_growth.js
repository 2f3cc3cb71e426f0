// expect: MEMORY_LIMIT
// timeout_ms: 10000
// why: an array of numbers grown without bound
// memory_bytes: 33554432
var a = [];
for (;;) a.push(a.length);
