// expect: TIMEOUT
// why: one native call (join of a 4-billion-slot array) that would run for
//   minutes; it allocates as it goes, so the deadline stops it promptly
// timeout_ms: 300
new Array(4294967295).join('x');
