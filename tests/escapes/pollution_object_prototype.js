// expect: OK
// why: pollute Object.prototype (a value, a setter that records writes, a
//   getter): Object.prototype is frozen, so every attempt fails in this run
//   and the next run on the same worker sees none of it
// expect-value: ["silent","TypeError","TypeError",true]
// then: var o = {}; o.seen = 1; [o.polluted === undefined, o.spy === undefined, Object.keys(o).length]
// then-expect-value: [true,true,1]
function attempt(f) { try { f(); return 'silent'; } catch (e) { return e.name; } }
var log = [];
[attempt(function () { Object.prototype.polluted = 'yes'; }),
 attempt(function () { Object.defineProperty(Object.prototype, 'seen', { set: function (v) { log.push(v); }, configurable: false }); }),
 attempt(function () { Object.defineProperty(Object.prototype, 'spy', { get: function () { return log; }, configurable: false }); }),
 ({}).polluted === undefined];
