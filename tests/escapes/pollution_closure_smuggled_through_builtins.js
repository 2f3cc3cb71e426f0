// expect: OK
// why: hide a closure over this run's state in built-in objects and
//   constructors, hoping the next run finds it and reads the old secret
// expect-value: "hidden"
// then: var found = []; [Object, Array, Function, JSON, Math, String, Error, console, globalThis].forEach(function (o) { if (o && o.leak) found.push(typeof o.leak); }); [found, typeof ({}).constructor.leak]
// then-expect-value: [[],"undefined"]
var secret = 'secret from the previous run';
var leak = function () { return secret; };
[Object, Array, Function, JSON, Math, String, Error, console, globalThis].forEach(function (o) { o.leak = leak; });
'hidden';
