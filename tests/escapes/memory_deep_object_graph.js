// expect: MEMORY_LIMIT
// timeout_ms: 10000
// why: a linked list of small objects, millions deep, which the garbage
//   collector must also be able to walk and free afterwards
// memory_bytes: 33554432
var head = null;
for (;;) head = { next: head, pad: [head, 1, 2] };
