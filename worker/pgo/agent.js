// The agent-style script of `stockade-bench agent` (2,000 records built,
// grouped, sorted, summarised, stringified).
var records = [];
for (var i = 0; i < 2000; i++) {
  records.push({ id: i, name: 'item-' + i, group: 'g' + (i % 17), price: (i * 37) % 1000 / 10,
                 tags: ['a', 'b', String(i % 5)], active: i % 3 !== 0 });
}
var groups = {};
records.forEach(function (r) {
  if (!r.active) return;
  var g = groups[r.group] || (groups[r.group] = { count: 0, total: 0, names: [] });
  g.count++;
  g.total += r.price;
  if (g.names.length < 3) g.names.push(r.name);
});
var summary = Object.keys(groups).map(function (k) {
  var g = groups[k];
  return { group: k, count: g.count, avg: Math.round(g.total / g.count * 100) / 100, sample: g.names.join(',') };
}).sort(function (a, b) { return b.avg - a.avg || (a.group < b.group ? -1 : 1); });
var text = JSON.stringify(summary);
var byTag = records.filter(function (r) { return r.tags.indexOf('3') >= 0; }).length;
console.log('groups', summary.length, 'tagged', byTag);
({ top: summary.slice(0, 3), bytes: text.length });
