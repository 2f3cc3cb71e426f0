// An agent's multi-step script: top-level await (the script is an async
// body, its last expression is the result), a retry helper over timers
// (virtual: waiting costs no CPU, only the run's timeout), Promise.allSettled
// and a for-await loop. Run it with `stockade run examples/pipeline.js`.
const sleep = (ms, value) => new Promise((resolve) => setTimeout(() => resolve(value), ms));

// Stands in for a flaky source: fails on its first two calls.
let calls = 0;
async function fetchPage(n) {
  calls++;
  if (calls <= 2) throw new Error(`page ${n}: temporarily unavailable`);
  await sleep(20);
  return { page: n, items: Array.from({ length: 3 }, (_, i) => `item-${n}-${i}`) };
}

async function withRetry(fn, { attempts = 3, backoffMs = 50 } = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts) throw err;
      console.log(`retrying after: ${err.message}`);
      await sleep(backoffMs * attempt);
    }
  }
}

const first = await withRetry(() => fetchPage(1));
const settled = await Promise.allSettled([2, 3].map((n) => fetchPage(n)));
const pages = [first, ...settled.filter((s) => s.status === 'fulfilled').map((s) => s.value)];

async function* itemsOf(list) {
  for (const { items } of list) yield* items;
}
const seen = [];
for await (const item of itemsOf(pages)) seen.push(item);

console.log(`${pages.length} pages, ${seen.length} items, ${calls} calls`);
({ pages: pages.map((p) => p.page), last: seen.at(-1) });
