// expect: RUNTIME_ERROR
// why: mutual recursion through valueOf on two objects via the + operator
// expect-error-name: RangeError
var a = {}, b = {};
a.valueOf = function () { return b + 1; };
b.valueOf = function () { return a + 1; };
a + 1;
