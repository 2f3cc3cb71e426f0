// expect: TIMEOUT
// why: the simplest denial of service, an infinite loop in the script body
// timeout_ms: 300
// expect-detail-contains: 300 ms
while (true) {}
