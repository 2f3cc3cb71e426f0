// expect: OK
// why: Duktape's non-standard 32-bit String.fromCharCode makes characters
//   past U+10FFFF (5- and 6-byte sequences), which no UTF-8 decoder accepts;
//   each of their bytes comes out as U+FFFD
// expect-value: ["������","x����y"]
// expect-console-contains: x������y
var big = String.fromCharCode(0x7fffffff);
console.log('x' + big + 'y');
[big, 'x' + String.fromCharCode(0x110000) + 'y'];
