// expect: TIMEOUT
// why: a quadratic String.prototype.indexOf in native code that neither
//   runs bytecode nor allocates: only the supervisor's hard kill stops it
// timeout_ms: 300
var haystack = 'a'.repeat(1e7);
var needle = 'a'.repeat(5e5) + 'b';
haystack.indexOf(needle);
