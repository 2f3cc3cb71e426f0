// expect: OUTPUT_LIMIT
// why: eight references to one 9 MB string: 9 MB of heap, 72 MB of JSON
// timeout_ms: 3000
// expect-detail-contains: result limit
var s = 'x'.repeat(9 * 1024 * 1024);
[s, s, s, s, s, s, s, s];
