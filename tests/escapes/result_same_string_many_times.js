// expect: OK
// timeout_ms: 10000
// why: eight references to one 9 MB string: 9 MB of heap, 72 MB of JSON;
//   the encoder stops at twice the cap and the head is kept
// expect-value-truncated: true
var s = 'x'.repeat(9 * 1024 * 1024);
[s, s, s, s, s, s, s, s];
