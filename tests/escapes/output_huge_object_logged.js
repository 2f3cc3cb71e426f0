// expect: OK
// why: console.log of an object whose JSON is ~5 MB: the console must stop
//   encoding at the longest line it keeps instead of building all of it
// timeout_ms: 3000
// expect-value: "done"
// expect-truncated: true
// expect-console-contains: [{"k":0},{"k":1}
var a = [];
for (var i = 0; i < 400000; i++) a.push({ k: i });
console.log(a);
'done';
