// expect: MEMORY_LIMIT
// timeout_ms: 10000
// why: a string that doubles until the heap is full
// memory_bytes: 33554432
// expect-detail-contains: 33554432
var s = 'x';
for (;;) s += s;
