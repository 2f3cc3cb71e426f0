// expect: OK
// why: sabotage JSON, Object.prototype.toString, Array.prototype.join,
//   String.prototype and Number.prototype.toString (the prototypes are
//   frozen, so only the JSON binding changes), then log objects, strings
//   and numbers: the console must format them with pristine code
// expect-value: "logged"
// expect-console-contains: {"a":[1,"x"]} text 42 -0.5 true null
function attempt(f) { try { f(); } catch (e) { } }
JSON = { stringify: function () { return 'hijacked'; } };
attempt(function () { Object.prototype.toString = function () { return 'hijacked'; }; });
attempt(function () { Array.prototype.join = function () { return 'hijacked'; }; });
attempt(function () { String.prototype.toString = function () { return 'hijacked'; }; });
attempt(function () { Number.prototype.toString = function () { return 'hijacked'; }; });
console.log({ a: [1, 'x'] }, 'text', 42, -0.5, true, null);
'logged';
