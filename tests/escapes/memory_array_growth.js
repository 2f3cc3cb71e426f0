// expect: MEMORY_LIMIT
// why: an array of numbers grown without bound
// memory_bytes: 33554432
var a = [];
for (;;) a.push(a.length);
