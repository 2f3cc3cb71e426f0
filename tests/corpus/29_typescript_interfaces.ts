// expect-value: {"a":9,"b":5}
interface Order { id: number; lines: { sku: string; qty: number; price: number }[]; note?: string }
type Totals = Record<string, number>;
function totals(orders: Order[]): Totals {
  const out: Totals = {};
  for (const o of orders) for (const { sku, qty, price } of o.lines) out[sku] = (out[sku] ?? 0) + qty * price;
  return out;
}
const orders: Order[] = [
  { id: 1, lines: [{ sku: 'a', qty: 2, price: 3 }] },
  { id: 2, lines: [{ sku: 'a', qty: 1, price: 3 }, { sku: 'b', qty: 5, price: 1 }], note: 'rush' },
];
totals(orders)
