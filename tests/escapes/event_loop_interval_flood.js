// expect: TIMEOUT
// why: 10,000 intervals of 1 ms, left running: each virtual millisecond
//   fires all of them, so the loop never runs out of work; the run must
//   end at its deadline, and the next run must neither see them fire nor
//   pay for their clean-up
// expect-detail-contains: timeout of 1000 ms
// then: new Promise(function (resolve) { setTimeout(function () { resolve(typeof fired); }, 20); })
// then_timeout_ms: 300
// then-expect-value: "undefined"
var n = 0;
try {
  for (;;) setInterval(function () { n++; Function('return this')().fired = n; }, 1);
} catch (e) {
  // At the cap: keep every interval running.
}
