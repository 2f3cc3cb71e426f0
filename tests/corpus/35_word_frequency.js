// expect-value: {"total":48,"distinct":16,"top":[["it",8],["of",8],["the",8]],"hapax":8,"topBigrams":[["it was",8],["was the",8],["of times",2]],"syllablesPerWord":1.35,"capitalised":["It","Light","Darkness"],"histogram":["it.... ######## 8","of.... ######## 8","the... ######## 8","was... ######## 8"],"lines":[70,77,80]}
// Word frequencies and simple readability numbers for a block of text.
const text = `It was the best of times, it was the worst of times, it was the age of
wisdom, it was the age of foolishness, it was the epoch of belief, it was the
epoch of incredulity, it was the season of Light, it was the season of Darkness.`;

const words = text.toLowerCase().split(/[^a-z]+/).filter(Boolean);
const counts = words.reduce((m, w) => m.set(w, (m.get(w) || 0) + 1), new Map());
const ranked = Array.from(counts.entries()).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
const hapax = ranked.filter(([, n]) => n === 1).map(([w]) => w);
const bigrams = {};
for (let i = 0; i < words.length - 1; i++) {
  const key = `${words[i]} ${words[i + 1]}`;
  bigrams[key] = (bigrams[key] || 0) + 1;
}
const topBigrams = Object.entries(bigrams).sort(([, a], [, b]) => b - a).slice(0, 3);
const vowels = (w) => (w.match(/[aeiouy]+/g) || []).length;
const syllables = words.reduce((n, w) => n + Math.max(1, vowels(w)), 0);
const capitalised = text.match(/\b[A-Z][a-z]+/g);
const histogram = ranked.slice(0, 4).map(([w, n]) => `${w.padEnd(6, '.')} ${'#'.repeat(n)} ${n}`);

({
  total: words.length,
  distinct: counts.size,
  top: ranked.slice(0, 3),
  hapax: hapax.length,
  topBigrams,
  syllablesPerWord: +(syllables / words.length).toFixed(2),
  capitalised,
  histogram,
  lines: text.split('\n').map((l) => l.length),
})
