// The ES5 program of `stockade-bench lowering` (constructor, prototype
// methods, reduce).
var rows = [];
for (var i = 0; i < 200; i++) rows.push({ id: i, group: 'g' + (i % 7), score: (i * 37) % 101 });
function Stats() { this.n = 0; this.sum = 0; }
Stats.prototype.add = function (x) { this.n++; this.sum += x; return this; };
Stats.prototype.mean = function () { return this.n ? this.sum / this.n : 0; };
var byGroup = {}, order = [];
rows.forEach(function (r) {
  if (!byGroup[r.group]) { byGroup[r.group] = new Stats(); order.push(r.group); }
  byGroup[r.group].add(r.score);
});
var summary = order.map(function (g) { return { group: g, mean: Math.round(byGroup[g].mean()) }; });
var best = summary.reduce(function (a, b) { return b.mean > a.mean ? b : a; }, summary[0]);
({ top: best.group, rest: { mean: best.mean }, n: summary.length, label: best.group + ':' + best.mean });
