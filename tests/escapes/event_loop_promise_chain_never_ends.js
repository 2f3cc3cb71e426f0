// expect: TIMEOUT
// why: a promise job that returns a new promise whose job does the same:
//   the chain of pending promises grows for ever (each waits on the next)
//   and core-js catches what every job throws, the timeout included, and
//   turns it into a rejection; the run must still end as TIMEOUT and the
//   next one start clean
// expect-detail-contains: timeout of 1000 ms
// then: Promise.resolve(21).then(function (x) { return x * 2; })
// then-expect-value: 42
function again() { return Promise.resolve().then(again); }
again();
