// expect: OK
// why: 40000 distinct 1 KiB strings that differ only in their last digits
//   collided in Duktape's sampling string hash, making every new string a
//   linear scan: a memory bomb turned into a CPU burn (and any script could
//   make string work quadratic)
// memory_bytes: 104857600
// expect-value: 40000
var prefix = 'y'.repeat(1024), a = [];
for (var i = 0; i < 40000; i++) a.push(prefix + i);
a.length;
