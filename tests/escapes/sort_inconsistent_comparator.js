// expect: OK
// why: a comparator that answers randomly and mutates the array it sorts
// expect-value: 200
var a = [];
for (var i = 0; i < 200; i++) a.push(i);
a.sort(function (x, y) { if (a.length < 300) a.push(-1); a.length = 200; return Math.random() - 0.5; });
a.length;
