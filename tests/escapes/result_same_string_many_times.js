// expect: OUTPUT_LIMIT
// timeout_ms: 10000
// why: eight references to one 9 MB string: 9 MB of heap, 72 MB of JSON
// expect-detail-contains: result limit
var s = 'x'.repeat(9 * 1024 * 1024);
[s, s, s, s, s, s, s, s];
