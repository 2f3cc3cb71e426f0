// expect: OK
// timeout_ms: 10000
// why: an array of three million items (15 MB of JSON) as the completion
//   value: kept as head and tail within the 10 MiB cap
// expect-value-truncated: true
new Array(3000000);
