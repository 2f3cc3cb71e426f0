// expect: TIMEOUT
// why: catastrophic backtracking in a regular expression that only
//   exists after lowering (the s flag makes it core-js's RegExp wrapper
//   over Duktape's): the native matcher under the wrapper must still be
//   stopped at the deadline
// expect-detail-contains: timeout of 1000 ms
// then: const double = (x) => x * 2; [double(21), `lowered ${'again'}`]
// then-expect-value: [42,"lowered again"]
const re = /(a+)+$/s;
const attempt = () => re.test('a'.repeat(32) + '!');
attempt();
