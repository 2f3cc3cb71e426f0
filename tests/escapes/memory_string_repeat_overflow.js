// expect: RUNTIME_ERROR
// why: 'x'.repeat(2^31): a length whose byte size overflows 32-bit arithmetic
// expect-error-name: RangeError
'x'.repeat(Math.pow(2, 31));
