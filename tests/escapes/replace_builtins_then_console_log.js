// expect: OK
// why: sabotage JSON, Object.prototype.toString, Array.prototype.join,
//   String.prototype and Number.prototype.toString, then log objects,
//   strings and numbers: the console must format them with pristine code
// expect-value: "logged"
// expect-console-contains: {"a":[1,"x"]} text 42 -0.5 true null
JSON = { stringify: function () { return 'hijacked'; } };
Object.prototype.toString = function () { return 'hijacked'; };
Array.prototype.join = function () { return 'hijacked'; };
String.prototype.toString = function () { return 'hijacked'; };
Number.prototype.toString = function () { return 'hijacked'; };
console.log({ a: [1, 'x'] }, 'text', 42, -0.5, true, null);
'logged';
