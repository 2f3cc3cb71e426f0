// expect: MEMORY_LIMIT
// timeout_ms: 10000
// why: the memory bomb runs in toJSON, i.e. inside the worker's own result
//   encoding, after the script body returned
// memory_bytes: 33554432
({ toJSON: function () { var a = []; for (;;) a.push('y'.repeat(1024) + a.length); } });
