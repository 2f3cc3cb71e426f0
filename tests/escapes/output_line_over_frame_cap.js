// expect: OK
// why: a 300 KB line fits the default 1 MiB output cap but not one 256 KiB
//   console frame; it used to kill the worker as a protocol error
// expect-value: "done"
// expect-truncated: true
// expect-console-contains: yyyyyyyy
console.log('y'.repeat(300000));
'done';
