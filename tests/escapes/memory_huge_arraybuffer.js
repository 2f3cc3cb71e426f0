// expect: MEMORY_LIMIT
// timeout_ms: 10000
// why: one 2 GB ArrayBuffer, far past the heap cap, in a single allocation
// memory_bytes: 33554432
new ArrayBuffer(2000000000);
