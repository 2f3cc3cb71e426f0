// expect-value: [{"a":1,"b":{"c":2,"d":3},"e":4},6,[1,2,2,3,"a","b"]]
const base = { a: 1, b: { c: 2 } };
const copy = { ...base, b: { ...base.b, d: 3 }, e: 4 };
const sum = (...xs) => xs.reduce((s, x) => s + x, 0);
const merged = [...[1, 2], ...new Set([2, 3, 3]), ...'ab'];
[copy, sum(...[1, 2, 3]), merged]
