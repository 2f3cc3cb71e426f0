// expect: MEMORY_LIMIT
// timeout_ms: 10000
// why: catch the out-of-memory error, drop the garbage and return a value as
//   if the limit had never been hit
// memory_bytes: 33554432
var r = 'not reached';
try {
  var s = 'x';
  for (;;) s += s;
} catch (e) {
  s = null;
  r = 'recovered from ' + e.name;
}
r;
