// expect-value: {"positions":["ACME=415.00","GLOBEX=690.00","INITECH=880.00"],"total":"1985.00","failures":["unknown symbol HOOLI"],"first":"fast"}
// Top-level await, the way a notebook-style agent writes it: no main(),
// awaits at the top of the script, the last expression is the answer.
const sleep = (ms, v) => new Promise((resolve) => setTimeout(resolve, ms, v));

async function fetchPrice(symbol) {
  await sleep(symbol.length * 3);
  const table = { ACME: 41.5, GLOBEX: 17.25, INITECH: 8.8 };
  if (!(symbol in table)) throw new Error(`unknown symbol ${symbol}`);
  return { symbol, price: table[symbol] };
}

const holdings = { ACME: 10, GLOBEX: 40, INITECH: 100, HOOLI: 5 };
const results = await Promise.allSettled(Object.keys(holdings).map(fetchPrice));
const priced = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);

const first = await Promise.race([sleep(20, 'slow'), sleep(5, 'fast')]);
let total = 0;
for (const { symbol, price } of priced) {
  await null;
  total += holdings[symbol] * price;
}

({ positions: priced.map((p) => `${p.symbol}=${(holdings[p.symbol] * p.price).toFixed(2)}`), total: total.toFixed(2), failures, first })
