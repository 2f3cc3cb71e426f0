// expect: OK
// why: one 30 MB console line: more than the output cap, the supervisor's
//   256 KiB console frame cap and the worker's memory outside the heap
// timeout_ms: 3000
// expect-value: "done"
// expect-truncated: true
// expect-console-contains: xxxxxxxxxxxxxxxx
console.log('x'.repeat(30 * 1024 * 1024));
'done';
