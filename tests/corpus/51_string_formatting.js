// expect-value: {"report":["file            |      size | share |       rows","----------------+-----------+-------+-----------","dataset.parquet | 700.0 MiB | 14.3% | 12,500,000","notes.md        |   1.5 KiB |  0.0% |         48","model.bin       |   4.1 GiB | 85.7% |          0","labels.csv      |  96.0 KiB |  0.0% |      2,048"],"numbers":["1,234,567.89","-9,876,543","999","0.5"],"rounding":["1.00","3","0.0000012","123.5","1e+21","1e-7"],"exp":["1.23e+4","00ff","00000101",255],"bars":["[----------]   0%","[###-------]  33%","[##########] 100%"],"wrapped":["The quick brown","fox jumps over the","lazy dog and keeps","running far away"],"money":"Total.....     $5,138.12","trimmed":["x  |","|  y","c"]}
// Report formatting without Intl: thousands separators, fixed decimals,
// percentages, byte sizes, aligned columns, word wrap, progress bars.
const withCommas = (n, digits = 0) => {
  const [int, frac] = Math.abs(n).toFixed(digits).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
};
const pct = (part, whole) => `${((part / whole) * 100).toFixed(1)}%`;
const bytes = (n) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
};
const bar = (fraction, width = 20) => {
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`;
};
function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && (line + ' ' + word).length > width) { lines.push(line); line = word; }
    else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
function table(rows, columns) {
  const widths = columns.map((c) => Math.max(c.title.length, ...rows.map((r) => c.format(r).length)));
  const fmt = (cells) => cells.map((cell, i) => (columns[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join(' | ');
  return [fmt(columns.map((c) => c.title)), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map((r) => fmt(columns.map((c) => c.format(r))))];
}

const files = [
  { name: 'dataset.parquet', size: 734003200, rows: 12500000 },
  { name: 'notes.md', size: 1536, rows: 48 },
  { name: 'model.bin', size: 4404019200, rows: 0 },
  { name: 'labels.csv', size: 98304, rows: 2048 },
];
const totalSize = files.reduce((t, f) => t + f.size, 0);
const report = table(files, [
  { title: 'file', format: (f) => f.name },
  { title: 'size', format: (f) => bytes(f.size), align: 'right' },
  { title: 'share', format: (f) => pct(f.size, totalSize), align: 'right' },
  { title: 'rows', format: (f) => withCommas(f.rows), align: 'right' },
]);

({
  report,
  numbers: [withCommas(1234567.891, 2), withCommas(-9876543), withCommas(999), withCommas(0.5, 1)],
  rounding: [(1.005).toFixed(2), (2.5).toFixed(0), (0.000001234).toPrecision(2), (123.456).toPrecision(4), (1e21).toFixed(2), Number('1e-7').toString()],
  exp: [(12345.6789).toExponential(2), (255).toString(16).padStart(4, '0'), (5).toString(2).padStart(8, '0'), parseInt('ff', 16)],
  bars: [0, 0.333, 1].map((f) => bar(f, 10)),
  wrapped: wrap('The quick brown fox jumps over the lazy dog and keeps running far away', 18),
  money: `${'Total'.padEnd(10, '.')}${('$' + withCommas(totalSize / 1e6, 2)).padStart(14)}`,
  trimmed: ['  x  '.trimStart() + '|', '|' + '  y  '.trimEnd(), 'abc'.at(-1)],
})
