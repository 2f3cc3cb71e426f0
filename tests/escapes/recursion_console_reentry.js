// expect: OK
// why: console.log of an object whose toJSON calls console.log on itself:
//   re-entry into the host binding until the native depth limit
// expect-value: "survived"
var o = { toJSON: function () { console.log(o); return 1; } };
console.log(o);
'survived';
