// expect: OK
// timeout_ms: 10000
// why: one element at index 2^32-2: four billion holes, each encoded as
//   null; the encoder must stop near the result limit, not run for minutes
// expect-value-truncated: true
var a = [];
a[4294967294] = 1;
a;
