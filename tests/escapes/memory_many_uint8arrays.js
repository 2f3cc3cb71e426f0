// expect: MEMORY_LIMIT
// timeout_ms: 10000
// why: many 64 KiB typed arrays, each small, together past the cap
// memory_bytes: 33554432
var keep = [];
for (;;) keep.push(new Uint8Array(65536));
