// expect: RUNTIME_ERROR
// why: unbounded recursion must end in a RangeError, not a stack overflow
// expect-error-name: RangeError
function down(n) { return down(n + 1) + 1; }
down(0);
