// expect: RUNTIME_ERROR
// why: a 100000-deep prototype chain makes every missing-property lookup
//   walk it; Duktape must refuse rather than loop or recurse, and tearing
//   the chain down afterwards must not delay the next run
// timeout_ms: 3000
// expect-error-name: RangeError
// then: 1+1
// then_timeout_ms: 300
// then-expect-value: 2
var o = {};
for (var i = 0; i < 100000; i++) o = Object.create(o);
o.missing;
