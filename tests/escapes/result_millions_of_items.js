// expect: OUTPUT_LIMIT
// why: an array of three million items (15 MB of JSON) as the completion value
// timeout_ms: 3000
// expect-detail-contains: result limit
new Array(3000000);
