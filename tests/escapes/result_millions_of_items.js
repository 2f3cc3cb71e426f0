// expect: OUTPUT_LIMIT
// timeout_ms: 10000
// why: an array of three million items (15 MB of JSON) as the completion value
// expect-detail-contains: result limit
new Array(3000000);
