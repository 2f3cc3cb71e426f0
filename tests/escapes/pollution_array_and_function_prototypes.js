// expect: OK
// why: replace Array.prototype methods and Function.prototype.call/apply,
//   which the next script (or the host) would call
// expect-value: "polluted"
// then: var a = [3, 1, 2]; a.push(4); [a.sort().join(','), Math.max.apply(null, a), [1, 2].map(function (x) { return x * 2; })]
// then-expect-value: ["1,2,3,4",4,[2,4]]
Array.prototype.push = function () { return 'hijacked'; };
Array.prototype.sort = function () { return 'hijacked'; };
Array.prototype.map = function () { return 'hijacked'; };
Array.prototype.y = 'polluted';
Function.prototype.call = function () { return 'hijacked'; };
Function.prototype.apply = function () { return 'hijacked'; };
'polluted';
