// expect: OK
// why: overwrite and delete standard globals (Object, Math, Error, eval,
//   parseInt, undefined, NaN...) so that the next run breaks
// expect-value: "polluted"
// then: [typeof Object, typeof Math.max, typeof Error, typeof eval, parseInt('42'), typeof undefined, isNaN(NaN), typeof JSON.stringify]
// then-expect-value: ["function","function","function","function",42,"undefined",true,"function"]
var g = globalThis;
g.Object = null; g.Math = { max: 'broken' }; g.Error = 1; g.parseInt = function () { return -1; };
delete g.JSON; delete g.eval; delete g.isNaN;
try { g.undefined = 'defined'; g.NaN = 0; } catch (e) {}
'polluted';
