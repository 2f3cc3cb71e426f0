// expect: OK
// why: climb arguments.callee.caller from callbacks the host invokes
//   (console formatting, a native sort), looking for a host frame
// expect-value: ["none","none","none"]
function look() {
  var c = arguments.callee.caller;
  return c === undefined || c === null ? 'none' : typeof c;
}
var seen = [];
console.log({ toJSON: function () { seen.push(look()); return 1; } });
[2, 1].sort(function (a, b) { if (seen.length < 2) seen.push(look()); return a - b; });
seen.push(look());
seen;
