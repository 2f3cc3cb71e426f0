// expect: OK
// why: build and drop a 100000-deep prototype chain inside the run; freeing
//   it walked each object's chain for a finalizer (2.5 s of native code
//   that only the hard kill could stop)
// expect-value: "dropped"
(function () {
  var o = {};
  for (var i = 0; i < 100000; i++) o = Object.create(o);
})();
'dropped';
