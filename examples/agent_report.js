// The kind of script an agent writes: modern JavaScript (arrow functions,
// destructuring, classes, Map, optional chaining, async/await, template
// literals). Duktape runs ES5, so Stockade lowers this with TypeScript's
// compiler in a confined compiler worker first; the result says lowered.
const orders = [
  { id: 1, customer: 'ada', items: [{ sku: 'pen', qty: 3, price: 1.5 }] },
  { id: 2, customer: 'bob', items: [{ sku: 'ink', qty: 1, price: 12 }, { sku: 'pen', qty: 1, price: 1.5 }] },
  { id: 3, customer: 'ada', items: [{ sku: 'pad', qty: 2, price: 4 }], coupon: { percent: 10 } },
];

class Ledger {
  #totals = new Map();
  add(customer, amount) {
    this.#totals.set(customer, (this.#totals.get(customer) ?? 0) + amount);
  }
  get rows() {
    return [...this.#totals].map(([customer, total]) => ({ customer, total: Math.round(total * 100) / 100 }));
  }
}

const fetchOrders = async () => {
  await new Promise((resolve) => setTimeout(resolve, 10));  // a virtual wait: no CPU, no real sleep
  return orders;
};

async function main() {
  const ledger = new Ledger();
  for (const { customer, items, coupon } of await fetchOrders()) {
    const gross = items.reduce((sum, { qty, price }) => sum + qty * price, 0);
    ledger.add(customer, gross * (1 - (coupon?.percent ?? 0) / 100));
  }
  const rows = ledger.rows.sort((a, b) => b.total - a.total);
  console.log(`${rows.length} customers, top: ${rows[0].customer}`);
  return rows;
}

main();
