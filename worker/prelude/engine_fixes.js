// Duktape natives the standard library must replace, removed before
// core-js runs: core-js keeps a native it finds, whatever it does.
//
// Reflect.get and Reflect.set throw "unsupported" when given a receiver,
// which is what `super.x` lowered to ES5 passes (lowering.js) and what
// Babel-style helpers and proxies forwarding to Reflect rely on; core-js's
// versions follow the specification.
(function (global) {
  'use strict';
  delete global.Reflect.get;
  delete global.Reflect.set;
})(globalThis);
