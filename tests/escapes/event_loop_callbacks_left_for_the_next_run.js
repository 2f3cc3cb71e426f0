// expect: RUNTIME_ERROR
// why: end a run (a callback throws) while it still has timers, an
//   interval, an immediate, microtasks and promise reactions queued, each
//   of which would mark the global it runs in: none may fire in the next
//   run on the same worker, whatever that run waits for
// expect-error-message-contains: end the run now
// then: new Promise(function (resolve) { setTimeout(function () { resolve([typeof marked, typeof globalThis.marked]); }, 50); })
// then-expect-value: ["undefined","undefined"]
function mark(how) { return function () { Function('return this')().marked = how; }; }
setTimeout(mark('timeout'), 1);
setTimeout(mark('timeout 40'), 40);
setInterval(mark('interval'), 3);
setImmediate(mark('immediate'));
var never = new Promise(function () {});
never.then(mark('reaction on a promise that never settles'));
var later;
var settleLater = new Promise(function (resolve) { later = resolve; });
settleLater.then(mark('reaction'));
queueMicrotask(function () {
  queueMicrotask(mark('microtask'));
  later();
  throw new Error('end the run now');
});
