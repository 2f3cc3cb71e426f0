// expect-value: {"byRegion":{"EU":{"count":3,"sum":2640,"mean":880,"min":450,"max":1200},"US":{"count":2,"sum":2550,"mean":1275,"min":800,"max":1750},"APAC":{"count":1,"sum":300,"mean":300,"min":300,"max":300}},"top":["bob:1750","ana:1200","ana:990","bob:800"],"limit":2501,"overBudget":[["ana",false],["bob",true],["cai",false],["dee",false]],"error":"RangeError","months":{"count":6,"sum":11,"mean":1.83,"min":1,"max":3}}
// A generic, typed data pipeline over sales records: generic classes with
// method chaining, mapped and conditional types, tuple types, generic
// async functions, readonly arrays and an accessor pair.
interface Sale { region: string; rep: string; month: number; amount: number }
type Numeric<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T];
type Stats = { count: number; sum: number; mean: number; min: number; max: number };

class Query<T> {
  constructor(private readonly rows: readonly T[]) {}
  where(pred: (row: T) => boolean): Query<T> { return new Query(this.rows.filter(pred)); }
  orderBy<K extends keyof T>(key: K, dir: 'asc' | 'desc' = 'asc'): Query<T> {
    const sign = dir === 'asc' ? 1 : -1;
    return new Query([...this.rows].sort((a, b) => (a[key] < b[key] ? -sign : a[key] > b[key] ? sign : 0)));
  }
  groupBy<K extends keyof T>(key: K): Map<T[K], T[]> {
    const groups = new Map<T[K], T[]>();
    for (const row of this.rows) groups.set(row[key], [...(groups.get(row[key]) ?? []), row]);
    return groups;
  }
  stats(field: Numeric<T>): Stats {
    const values = this.rows.map((r) => r[field] as unknown as number);
    const sum = values.reduce((a, b) => a + b, 0);
    return { count: values.length, sum, mean: values.length ? +(sum / values.length).toFixed(2) : 0, min: Math.min(...values), max: Math.max(...values) };
  }
  toArray(): T[] { return [...this.rows]; }
}

class Budget {
  private _limit = 0;
  get limit(): number { return this._limit; }
  set limit(v: number) {
    if (v < 0) throw new RangeError('limit must be >= 0');
    this._limit = Math.round(v);
  }
}

async function mapAsync<T, U>(items: readonly T[], fn: (item: T, index: number) => Promise<U>): Promise<U[]> {
  const out: U[] = [];
  for (const [i, item] of items.entries()) out.push(await fn(item, i));
  return out;
}

const sales: Sale[] = [
  { region: 'EU', rep: 'ana', month: 1, amount: 1200 },
  { region: 'US', rep: 'bob', month: 1, amount: 800 },
  { region: 'EU', rep: 'cai', month: 2, amount: 450 },
  { region: 'US', rep: 'bob', month: 2, amount: 1750 },
  { region: 'APAC', rep: 'dee', month: 2, amount: 300 },
  { region: 'EU', rep: 'ana', month: 3, amount: 990 },
];

async function main() {
  const q = new Query(sales);
  const byRegion = [...q.groupBy('region')].map(([region, rows]): [string, Stats] => [region, new Query(rows).stats('amount')]);
  const top = q.where((s) => s.amount > 500).orderBy('amount', 'desc').toArray().map((s) => `${s.rep}:${s.amount}`);
  const budget = new Budget();
  budget.limit = 2500.6;
  const overBudget = await mapAsync([...q.groupBy('rep')], async ([rep, rows]) => {
    await new Promise((r) => setTimeout(r, 1));
    const total = rows.reduce((t, r) => t + r.amount, 0);
    return [rep, total > budget.limit] as const;
  });
  let error = '';
  try { budget.limit = -1; } catch (e) { error = (e as RangeError).name; }
  return { byRegion: Object.fromEntries(byRegion), top, limit: budget.limit, overBudget, error, months: q.stats('month') };
}
main()
