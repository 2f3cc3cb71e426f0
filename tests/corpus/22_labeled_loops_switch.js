// expect-value: [{"r":1,"c":1,"v":5},["num","str","other"]]
const grid = [[1, 2, 3], [4, 5, 6], [7, 8, 9]];
let found = null;
outer: for (const [r, row] of grid.entries()) {
  for (const [c, v] of row.entries()) {
    if (v * v > 20) { found = { r, c, v }; break outer; }
  }
}
const kind = (x) => { switch (typeof x) { case 'number': return 'num'; case 'string': return 'str'; default: return 'other'; } };
[found, [1, 'a', null].map(kind)]
