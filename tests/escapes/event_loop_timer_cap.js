// expect: OK
// why: schedule timers and immediates until the loop refuses (at most
//   10,000 pending), then clear them all: the cap counts both kinds, the
//   refusal is a catchable RangeError, and the next run starts from zero
// expect-value: [10000,"RangeError","too many pending timers (at most 10000)",10000,"RangeError"]
// then: var ids = []; for (var i = 0; i < 9999; i++) ids.push(setTimeout(function () {}, 1)); setImmediate(function () {}); ids.forEach(function (id) { clearTimeout(id); }); 'a fresh count'
// then-expect-value: "a fresh count"
var ids = [], error = null;
try {
  for (var i = 0; i < 20000; i++) ids.push(i % 2 ? setInterval(function () {}, 1) : setTimeout(function () {}, 1));
} catch (e) { error = e; }
var count = ids.length;
ids.forEach(function (id) { clearTimeout(id); });
var again = [];
try { for (i = 0; i < 20000; i++) again.push(setImmediate(function () {})); } catch (e) { again.error = e.name; }
// Left to run: each is a no-op.
[count, error && error.name, error && error.message, again.length, again.error];
