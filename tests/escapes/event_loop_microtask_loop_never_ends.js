// expect: TIMEOUT
// why: a microtask that queues itself: the microtask queue never empties,
//   so timers and the completion are never reached; the run must end at
//   its deadline as TIMEOUT (not hang, not be mistaken for a settled run)
// expect-detail-contains: timeout of 1000 ms
// then: var ok = []; queueMicrotask(function () { ok.push('micro'); }); Promise.resolve('then').then(function (v) { ok.push(v); return ok; })
// then-expect-value: ["micro","then"]
queueMicrotask(function again() { queueMicrotask(again); });
'never reached';
