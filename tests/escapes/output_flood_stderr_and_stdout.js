// expect: OK
// why: interleaved stdout/stderr floods with a tiny output cap: the kept
//   head and tail stay within the cap and end with the last lines
// output_bytes: 4096
// timeout_ms: 3000
// expect-value: "done"
// expect-truncated: true
// expect-console-contains: err 99999
for (var i = 0; i < 100000; i++) { console.log('out ' + i); console.error('err ' + i); }
'done';
