// expect-value: {"batches":[[3,6,8,9],[11,14,16,17],[19,22]],"requests":6,"firstThree":["a","b","c"],"manual":[{"value":10,"done":false},{"value":"stopped","done":true},{"done":true}],"hasAsyncIterator":true}
// A streaming pipeline of async generators: a paged source, a custom
// Symbol.asyncIterator object, map/filter/batch stages and for-await.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class PagedApi {
  constructor(items, pageSize) { this.items = items; this.pageSize = pageSize; this.requests = 0; }
  [Symbol.asyncIterator]() {
    let page = 0;
    return {
      next: async () => {
        await sleep(3);
        this.requests++;
        const slice = this.items.slice(page * this.pageSize, ++page * this.pageSize);
        return slice.length ? { done: false, value: slice } : { done: true, value: undefined };
      },
    };
  }
}

async function* flatten(pages) { for await (const page of pages) yield* page; }
async function* map(source, fn) { for await (const x of source) yield await fn(x); }
async function* filter(source, pred) { for await (const x of source) if (pred(x)) yield x; }
async function* batch(source, size) {
  let buf = [];
  for await (const x of source) {
    buf.push(x);
    if (buf.length === size) { yield buf; buf = []; }
  }
  if (buf.length) yield buf;
}
async function* take(source, n) {
  if (n <= 0) return;
  for await (const x of source) {
    yield x;
    if (--n === 0) return;
  }
}

async function collect(source) {
  const out = [];
  for await (const x of source) out.push(x);
  return out;
}

async function main() {
  const api = new PagedApi(Array.from({ length: 23 }, (_, i) => ({ id: i + 1, score: (i * 37) % 100 })), 5);
  const enrich = async (r) => { await null; return { ...r, grade: r.score >= 50 ? 'high' : 'low' }; };
  const batches = await collect(batch(filter(map(flatten(api), enrich), (r) => r.grade === 'high'), 4));
  const firstThree = await collect(take(flatten(new PagedApi(['a', 'b', 'c', 'd', 'e', 'f'], 2)), 3));
  const gen = map(flatten(new PagedApi([1, 2, 3], 2)), (x) => x * 10);
  const manual = [await gen.next(), await gen.return('stopped'), await gen.next()];
  return {
    batches: batches.map((b) => b.map((r) => r.id)),
    requests: api.requests,
    firstThree,
    manual,
    hasAsyncIterator: typeof flatten([])[Symbol.asyncIterator] === 'function',
  };
}
main()
