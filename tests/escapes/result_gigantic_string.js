// expect: OK
// timeout_ms: 10000
// why: a 45 MB string as the completion value: its JSON is past the result
//   limit, and encoding it whole would also have filled the heap; the
//   encoder stops at twice the cap and the head is kept
// expect-value-truncated: true
'x'.repeat(45 * 1024 * 1024);
