// expect: OK
// why: reach "the real global" from everywhere code can run: Function
//   ('return this') and indirect eval inside a promise job, a timer, an
//   immediate and a microtask; constructor chains from a built-in's
//   method, from an accessor shim's getter and from a promise; `this` of
//   sloppy callbacks that core-js and the event loop call. Each must be
//   this run's own global, which has none of the template's internals
// expect-value: [[true,true,true,true,true,true,true,true,true,true,true],["undefined","undefined",false,false]]
var results = [];
function check(g) { results.push(g === globalThis); }
var viaGetter = Object.getOwnPropertyDescriptor(Object.prototype, 'toString').get.constructor('return this')();
check(viaGetter);
check([].map.constructor('return this')());
check(Promise.resolve().then.constructor.constructor('return this')());
check(Promise.resolve().constructor.constructor('return (0, eval)("this")')());
[1].forEach(function () { check(this); });
check(Array.from([1], function () { return this; })[0]);
queueMicrotask(function () { check(Function('return this')()); });
Promise.resolve().then(function () { check((0, eval)('this')); });
setImmediate(function () { check(this); });
setTimeout(function () { check(new Function('return this')()); }, 5);
new Promise(function (resolve) {
  setTimeout(function () {
    check(this);
    var g = Function('return this')();
    resolve([results, [typeof g.onunhandledrejection, typeof g.Duktape, '__core-js_shared__' in g,
                       Object.getOwnPropertyNames(g).indexOf('__core-js_shared__') >= 0]]);
  }, 10);
});
