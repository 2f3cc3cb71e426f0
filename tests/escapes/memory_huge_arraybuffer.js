// expect: MEMORY_LIMIT
// why: one 2 GB ArrayBuffer, far past the heap cap, in a single allocation
// memory_bytes: 33554432
new ArrayBuffer(2000000000);
