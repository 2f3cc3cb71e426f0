// expect: OK
// why: a Proxy completion value whose traps lie: ownKeys adds a key the
//   target lacks and get computes every value. The encoder must follow the
//   traps as the script's own JSON.stringify does (Duktape keeps only keys
//   the target holds as enumerable) and stay well-formed
// expect-value: {"a":"value of a","b":"value of b"}
new Proxy({ a: 1, b: 2 }, {
  ownKeys: function () { return ['a', 'b', 'ghost']; },
  get: function (t, k) { return 'value of ' + String(k); }
});
