// expect: OK
// why: replace Array.prototype methods and Function.prototype.call/apply,
//   which the next script (or the host) would call: the built-ins are
//   frozen, so each attempt fails (silently, as assignments to read-only
//   properties do in sloppy code) and nothing changes
// expect-value: [["silent","silent","silent","silent","silent","silent"],[4,"1,2,3,4",null]]
// then: var a = [3, 1, 2]; a.push(4); [a.sort().join(','), Math.max.apply(null, a), [1, 2].map(function (x) { return x * 2; })]
// then-expect-value: ["1,2,3,4",4,[2,4]]
function attempt(f) { try { f(); return 'silent'; } catch (e) { return e.name; } }
var outcomes = [
  attempt(function () { Array.prototype.push = function () { return 'hijacked'; }; }),
  attempt(function () { Array.prototype.sort = function () { return 'hijacked'; }; }),
  attempt(function () { Array.prototype.map = function () { return 'hijacked'; }; }),
  attempt(function () { Array.prototype.y = 'polluted'; }),
  attempt(function () { Function.prototype.call = function () { return 'hijacked'; }; }),
  attempt(function () { Function.prototype.apply = function () { return 'hijacked'; }; })
];
var a = [3, 1, 2];
[outcomes, [a.push(4), a.sort().join(','), [].y]];
