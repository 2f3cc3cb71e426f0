// Functions and objects: recursion, closures, memoisation, constructors
// and prototypes, try/catch, Map and Set, array helpers.
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function memo(f) {
  var cache = {};
  return function (n) { return n in cache ? cache[n] : (cache[n] = f(n)); };
}
var slowSquare = memo(function (n) { return n * n; });
var sq = 0;
for (var i = 0; i < 500; i++) sq += slowSquare(i % 50);
function Node(value) { this.value = value; this.children = []; }
Node.prototype.add = function (child) { this.children.push(child); return this; };
Node.prototype.depth = function () {
  return 1 + this.children.reduce(function (d, c) { return Math.max(d, c.depth()); }, 0);
};
var root = new Node(0);
var nodes = [root];
for (var k = 1; k < 300; k++) {
  var n = new Node(k);
  nodes[(k * 7) % nodes.length].add(n);
  nodes.push(n);
}
var errors = 0;
for (var e = 0; e < 100; e++) {
  try {
    if (e % 10 === 0) throw new Error('bad ' + e);
    JSON.parse(e % 7 === 0 ? '{bad' : '{"ok":true}');
  } catch (err) {
    errors++;
  }
}
var seen = new Set(), map = new Map();
for (var s = 0; s < 400; s++) {
  seen.add(s % 37);
  map.set('k' + (s % 50), (map.get('k' + (s % 50)) || 0) + s);
}
var sorted = nodes.map(function (x) { return x.value * 7919 % 1000; }).sort(function (a, b) { return a - b; });
({ fib: fib(18), sq: sq, depth: root.depth(), errors: errors, seen: seen.size, map: map.get('k7'),
   median: sorted[sorted.length >> 1], date: new Date(Date.UTC(2024, 1, 29)).toISOString() });
