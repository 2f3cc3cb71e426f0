// expect: OK
// why: nested counted quantifiers that a compiler expanding atoms would
//   grow to a billion copies
// expect-value: false
/(?:(?:a{1000}){1000}){1000}/.test('b');
