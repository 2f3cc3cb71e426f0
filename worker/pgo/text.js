// Text wrangling as agents write it: split, regular expressions, replace,
// word counts, padding, a CSV parsed and re-joined.
var lines = [];
for (var i = 0; i < 400; i++) {
  lines.push('2024-01-' + ('0' + (i % 28 + 1)).slice(-2) + 'T10:' + (i % 60) + ' level=' +
             ['info', 'warn', 'error'][i % 3] + ' user=u' + (i % 23) + ' msg="request ' + i + ' took ' +
             (i * 7 % 300) + 'ms"');
}
var re = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d+) level=(\w+) user=(\w+) msg="([^"]*)"$/;
var counts = {}, slow = [], words = {};
lines.forEach(function (line) {
  var m = re.exec(line);
  if (!m) return;
  counts[m[6]] = (counts[m[6]] || 0) + 1;
  var ms = parseInt(m[8].replace(/.*took (\d+)ms/, '$1'), 10);
  if (ms > 250) slow.push(m[7] + '@' + m[3]);
  m[8].toLowerCase().split(/\s+/).forEach(function (w) { words[w] = (words[w] || 0) + 1; });
});
var csv = 'name,qty,price\n';
for (var j = 0; j < 200; j++) csv += 'part ' + j + ',' + (j % 9) + ',' + (j * 1.25).toFixed(2) + '\n';
var total = 0;
csv.trim().split('\n').slice(1).forEach(function (row) {
  var f = row.split(',');
  total += Number(f[1]) * parseFloat(f[2]);
});
var top = Object.keys(words).sort(function (a, b) { return words[b] - words[a]; }).slice(0, 5);
var title = lines[0].substring(0, 10).toUpperCase() + ' ' + 'x'.repeat(3) + ' ' + String(total).indexOf('.');
({ counts: counts, slow: slow.length, top: top, total: Math.round(total), title: title.trim() });
