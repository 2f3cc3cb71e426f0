// expect: OK
// why: two million empty console lines: batching, the per-line cost and the
//   head/tail cap must keep the stream bounded and the run fast
// timeout_ms: 8000
// expect-value: 2000000
// expect-truncated: true
var i = 0;
for (; i < 2000000; i++) console.log();
i;
