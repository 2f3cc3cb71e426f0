// expect: TIMEOUT
// why: an infinite loop inside a comparator called from native sort code
// timeout_ms: 300
var a = [];
for (var i = 0; i < 100; i++) a.push(100 - i);
a.sort(function (x, y) { while (true) {} });
