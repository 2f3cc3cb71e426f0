// expect-value: {"table":["North |  10|   125.22","South |  14|    93.00","East  |   8|    51.49"],"total":"269.71","quotedProducts":["Widget, large","Doohickey \"XL\""],"best":"North"}
// Parse a small CSV export by hand (quoted fields included), then group and
// aggregate revenue per region and print a fixed-width report.
const csv = `order_id,region,product,qty,unit_price
1001,North,"Widget, large",3,19.99
1002,South,Gadget,10,4.50
1003,North,Gadget,2,4.50
1004,East,"Widget, large",1,19.99
1005,South,"Doohickey ""XL""",4,12.00
1006,East,Gadget,7,4.50
1007,North,Doohickey,5,11.25`;

function parseLine(line) {
  const fields = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { fields.push(cur); cur = ''; }
    else cur += ch;
  }
  fields.push(cur);
  return fields;
}

const [header, ...rows] = csv.trim().split('\n').map(parseLine);
const records = rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])))
  .map((r) => ({ ...r, qty: Number(r.qty), unit_price: parseFloat(r.unit_price) }));

const byRegion = records.reduce((acc, r) => {
  const g = (acc[r.region] ??= { orders: 0, units: 0, revenue: 0 });
  g.orders += 1;
  g.units += r.qty;
  g.revenue += r.qty * r.unit_price;
  return acc;
}, {});

const summary = Object.entries(byRegion)
  .map(([region, g]) => ({ region, ...g, revenue: Math.round(g.revenue * 100) / 100 }))
  .sort((a, b) => b.revenue - a.revenue || a.region.localeCompare(b.region));

const table = summary.map((s) => `${s.region.padEnd(6)}|${String(s.units).padStart(4)}|${s.revenue.toFixed(2).padStart(9)}`);
const total = summary.reduce((t, s) => t + s.revenue, 0);
const quotedProducts = [...new Set(records.map((r) => r.product))].filter((p) => /[",]/.test(p));

({ table, total: total.toFixed(2), quotedProducts, best: summary[0].region })
