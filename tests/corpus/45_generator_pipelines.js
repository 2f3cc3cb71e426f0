// expect-value: {"squaresOfOdds":[1,9,25,49,81,121,-1],"primes":[2,3,5,7,11,13,17,19,23,29],"chunks":[[0,2],[4,6],[8]],"zipped":[["a",1,7],["b",2,8],["c",3,9]],"averages":[10,15,30,25],"snapshot":{"len":6,"seen":[1,2],"year":2024,"isDate":true},"cleanedUp":true,"spreadRange":49,"entries":[[0,"x"],[1,"y"]]}
// Generators as lazy pipelines: infinite sources, take/map/filter/chunk,
// zip, a two-way generator, iterator protocol on a class, structuredClone of
// the results to snapshot state.
function* naturals(from = 1) { for (let n = from; ; n++) yield n; }
function* map(it, fn) { for (const x of it) yield fn(x); }
function* filter(it, pred) { for (const x of it) if (pred(x)) yield x; }
function* take(it, n) { if (n <= 0) return; for (const x of it) { yield x; if (--n === 0) return; } }
function* chunk(it, size) {
  let buf = [];
  for (const x of it) { buf.push(x); if (buf.length === size) { yield buf; buf = []; } }
  if (buf.length) yield buf;
}
function* zip(...its) {
  const iters = its.map((i) => i[Symbol.iterator]());
  while (true) {
    const steps = iters.map((i) => i.next());
    if (steps.some((s) => s.done)) return;
    yield steps.map((s) => s.value);
  }
}
function* primes() {
  const found = [];
  for (const n of naturals(2)) {
    if (found.every((p) => n % p !== 0)) { found.push(n); yield n; }
  }
}
function* runningAverage() {
  let total = 0;
  let count = 0;
  let value = yield;
  while (true) {
    total += value;
    count++;
    value = yield +(total / count).toFixed(2);
  }
}

class Range {
  constructor(start, end, step = 1) { Object.assign(this, { start, end, step }); }
  *[Symbol.iterator]() { for (let i = this.start; i < this.end; i += this.step) yield i; }
}

const pipeline = (source, ...stages) => stages.reduce((it, stage) => stage(it), source);
const squaresOfOdds = [...pipeline(naturals(), (it) => filter(it, (n) => n % 2), (it) => map(it, (n) => n * n), (it) => take(it, 6))];
const avg = runningAverage();
avg.next();
const averages = [10, 20, 60, 10].map((v) => avg.next(v).value);
const state = { squaresOfOdds, averages, when: new Date(Date.UTC(2024, 0, 1)), seen: new Set([1, 2]) };
const snapshot = structuredClone(state);
state.squaresOfOdds.push(-1);
state.seen.add(3);
let cleanedUp = false;
function* withCleanup() { try { yield 1; yield 2; } finally { cleanedUp = true; } }
for (const x of withCleanup()) if (x === 1) break;

({
  squaresOfOdds,
  primes: [...take(primes(), 10)],
  chunks: [...chunk(new Range(0, 10, 2), 2)],
  zipped: [...zip('abc', new Range(1, 100), naturals(7))],
  averages,
  snapshot: { len: snapshot.squaresOfOdds.length, seen: [...snapshot.seen], year: snapshot.when.getUTCFullYear(), isDate: snapshot.when instanceof Date },
  cleanedUp,
  spreadRange: Math.max(...new Range(0, 50, 7)),
  entries: [...['x', 'y'].entries()],
})
