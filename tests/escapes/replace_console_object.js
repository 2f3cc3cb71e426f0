// expect: OK
// why: overwrite console and its methods; the result must still be encoded
//   and the next run must get a working console again
// expect-value: "replaced"
// then: console.log('console works again'); typeof console.log
// then-expect-value: "function"
console.log = function () { throw new Error('log hijacked'); };
console.error = null;
console = { log: function () { return 'fake'; } };
'replaced';
