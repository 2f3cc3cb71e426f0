// expect: OK
// why: leave ~15 MB of small objects behind (under the recycling threshold,
//   so the same worker collects them while it prepares the next run); the
//   next run's deadline must not pay for that clean-up
// timeout_ms: 5000
// expect-value: "left behind"
// then: 1+1
// then_timeout_ms: 200
// then-expect-value: 2
var keep = [];
for (var i = 0; i < 60000; i++) keep.push({ i: i, s: 'item ' + i, list: [i] });
'left behind';
