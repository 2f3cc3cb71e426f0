// expect: OUTPUT_LIMIT
// why: a 45 MB string as the completion value: its JSON is past the result
//   limit, and encoding it whole would also have filled the heap
// timeout_ms: 3000
// expect-detail-contains: result limit
'x'.repeat(45 * 1024 * 1024);
