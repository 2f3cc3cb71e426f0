// expect: OK
// why: boxed primitives with replaced valueOf/toString: the encoder calls
//   them as JSON.stringify must, and reports what they return (own
//   properties override the frozen prototype's; the prototype itself
//   cannot be changed)
// expect-value: [42,"replaced",false,"plain"]
var n = new Number(5); n.valueOf = function () { return 42; };
var s = new String('s'); s.toString = function () { return 'replaced'; };
var b = new Boolean(false); b.valueOf = function () { return true; };
try { Number.prototype.valueOf = function () { return -1; }; } catch (e) { }
[n, s, b, 'plain'];
