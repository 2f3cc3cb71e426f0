// expect: TIMEOUT
// why: a microtask that queues itself for three seconds: the loop must drop
//   the jobs it has run as it goes, or the queue grows by a slot a job and
//   the run would end in MEMORY_LIMIT (a misleading answer) before its
//   deadline
// timeout_ms: 3000
// expect-detail-contains: timeout of 3000 ms
// then: var ok = []; queueMicrotask(function () { ok.push('micro'); }); Promise.resolve('then').then(function (v) { ok.push(v); return ok; })
// then-expect-value: ["micro","then"]
queueMicrotask(function again() { queueMicrotask(again); });
'never reached';
