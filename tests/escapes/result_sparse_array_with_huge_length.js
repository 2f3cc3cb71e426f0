// expect: OUTPUT_LIMIT
// why: one element at index 2^32-2: four billion holes, each encoded as
//   null; the encoder must stop at the result limit, not run for minutes
// timeout_ms: 3000
// expect-detail-contains: result limit
var a = [];
a[4294967294] = 1;
a;
