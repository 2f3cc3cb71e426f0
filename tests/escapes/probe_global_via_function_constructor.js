// expect: OK
// why: reach the global object through every indirect route (Function
//   constructor, indirect eval, constructor chains) and check each one is
//   this run's own global, without Duktape on it
// expect-value: [true,true,true,true,"undefined"]
var viaFunction = new Function('return this')();
var viaEval = (0, eval)('this');
var viaChain = this.constructor.constructor('return this')();
var viaBound = (function () { return this; }).call(undefined);
[viaFunction === globalThis, viaEval === globalThis, viaChain === globalThis, viaBound === globalThis,
 viaChain.constructor.constructor('return typeof Duktape')()];
