// expect: MEMORY_LIMIT
// why: a linked list of small objects, millions deep, which the garbage
//   collector must also be able to walk and free afterwards
// memory_bytes: 33554432
// timeout_ms: 3000
var head = null;
for (;;) head = { next: head, pad: [head, 1, 2] };
