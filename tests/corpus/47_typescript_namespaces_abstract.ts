// expect-value: {"size":4,"byCategory":{"tool":437.88,"part":140,"consumable":29.75},"lowStock":[["GLU-002","7 pcs"],["DRL-100","2 pcs"]],"rejected":["bad: negative quantity; bad sku","LAS-001: price above 500"],"enums":["tool",3,"Medium",6,1,0],"tools":["Hammer","Drill"]}
// An inventory model: namespaces (merged, nested), string and numeric
// enums, const enums, abstract generic repositories, parameter properties,
// index signatures, generic constraints and readonly tuples.
namespace Inventory {
  export enum Category { Tool = 'tool', Part = 'part', Consumable = 'consumable' }
  export enum Priority { Low = 1, Medium, High }
  export interface Item { readonly sku: string; name: string; category: Category; qty: number; price: number }
  export namespace Units {
    export const format = (qty: number, unit = 'pcs'): string => `${qty} ${unit}`;
  }
}
namespace Inventory {
  export function value(item: Item): number { return +(item.qty * item.price).toFixed(2); }
}
const enum Status { Active, Archived }

abstract class Repository<T extends { readonly sku: string }> {
  protected readonly items = new Map<string, T>();
  abstract validate(item: T): string[];
  add(item: T): this {
    const problems = this.validate(item);
    if (problems.length) throw new Error(`${item.sku}: ${problems.join('; ')}`);
    this.items.set(item.sku, item);
    return this;
  }
  find(pred: (item: T) => boolean): T[] { return [...this.items.values()].filter(pred); }
  get size(): number { return this.items.size; }
}

class ItemRepository extends Repository<Inventory.Item> {
  constructor(private readonly maxPrice: number, public status: Status = Status.Active) { super(); }
  validate(item: Inventory.Item): string[] {
    const out: string[] = [];
    if (item.qty < 0) out.push('negative quantity');
    if (item.price > this.maxPrice) out.push(`price above ${this.maxPrice}`);
    if (!/^[A-Z]{3}-\d{3}$/.test(item.sku)) out.push('bad sku');
    return out;
  }
  totalsBy<K extends keyof Inventory.Item>(key: K): { [group: string]: number } {
    const totals: { [group: string]: number } = {};
    for (const item of this.items.values()) {
      const group = String(item[key]);
      totals[group] = +((totals[group] ?? 0) + Inventory.value(item)).toFixed(2);
    }
    return totals;
  }
}

const { Category, Priority } = Inventory;
const repo = new ItemRepository(500)
  .add({ sku: 'HAM-001', name: 'Hammer', category: Category.Tool, qty: 12, price: 14.99 })
  .add({ sku: 'SCR-010', name: 'Screws (100)', category: Category.Part, qty: 40, price: 3.5 })
  .add({ sku: 'GLU-002', name: 'Glue', category: Category.Consumable, qty: 7, price: 4.25 })
  .add({ sku: 'DRL-100', name: 'Drill', category: Category.Tool, qty: 2, price: 129 });
const rejected: string[] = [];
for (const bad of [
  { sku: 'bad', name: 'X', category: Category.Part, qty: -1, price: 1 },
  { sku: 'LAS-001', name: 'Laser', category: Category.Tool, qty: 1, price: 999 },
]) {
  try { repo.add(bad); } catch (e) { rejected.push(e instanceof Error ? e.message : String(e)); }
}
const lowStock: readonly [string, string][] = repo.find((i) => i.qty < 10).map((i) => [i.sku, Inventory.Units.format(i.qty)] as [string, string]);

({
  size: repo.size,
  byCategory: repo.totalsBy('category'),
  lowStock,
  rejected,
  enums: [Category.Tool, Priority.High, Priority[2], Object.keys(Priority).length, Status.Archived, repo.status],
  tools: repo.find((i) => i.category === Category.Tool).map((i) => i.name),
})
