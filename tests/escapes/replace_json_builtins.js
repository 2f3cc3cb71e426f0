// expect: OK
// why: replace JSON.stringify, then the JSON object itself, before the
//   worker encodes the completion value: the host must not use them
// expect-value: {"a":[1,"two",{"b":null}],"c":true}
JSON.stringify = function () { return '"hijacked"'; };
JSON.parse = function () { return 'hijacked'; };
JSON = { stringify: function () { return '"hijacked"'; } };
({ a: [1, 'two', { b: null }], c: true });
