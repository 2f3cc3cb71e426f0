// expect: OK
// why: pollute Object.prototype (a value, a setter that records writes, a
//   getter) and check the next run on the same worker sees none of it
// expect-value: "polluted"
// then: var o = {}; o.seen = 1; [o.polluted === undefined, o.spy === undefined, Object.keys(o).length]
// then-expect-value: [true,true,1]
var log = [];
Object.prototype.polluted = 'yes';
Object.defineProperty(Object.prototype, 'seen', { set: function (v) { log.push(v); }, configurable: false });
Object.defineProperty(Object.prototype, 'spy', { get: function () { return log; }, configurable: false });
'polluted';
