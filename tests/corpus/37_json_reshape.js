// expect-value: {"count":5,"o3":{"customer":"c2","total":80},"byStatus":{"paid":["o1","o3","o4"],"refunded":["o2"],"pending":["o5"]},"pivot":{"paid":120.5,"refunded":35,"pending":0},"tagIndex":{"vip":["c1"],"eu":["c1","c4"],"us":["c2"],"new":["c4"]},"lastPaid":"o4","lastPaidIndex":3,"secondLast":"o4","noOrders":["Chen"],"allTags":["eu","new","us","vip"],"nested":[1,2,3,4]}
// Reshape an API response: flatten nested orders, index by id, pivot,
// pick fields, and find the latest matching entries.
const response = JSON.parse(`{
  "customers": [
    {"id": "c1", "name": "Ada", "tags": ["vip", "eu"],
     "orders": [{"id": "o1", "total": 120.5, "status": "paid", "day": "2024-04-01"},
                {"id": "o2", "total": 35, "status": "refunded", "day": "2024-04-03"}]},
    {"id": "c2", "name": "Brian", "tags": ["us"],
     "orders": [{"id": "o3", "total": 80, "status": "paid", "day": "2024-04-02"}]},
    {"id": "c3", "name": "Chen", "tags": [], "orders": []},
    {"id": "c4", "name": "Dora", "tags": ["eu", "new"],
     "orders": [{"id": "o4", "total": 15.25, "status": "paid", "day": "2024-04-05"},
                {"id": "o5", "total": 60, "status": "pending", "day": "2024-04-06"}]}
  ]
}`);

const orders = response.customers.flatMap(({ id: customer, name, orders }) =>
  orders.map((o) => ({ ...o, customer, name })));

const byId = Object.fromEntries(orders.map((o) => [o.id, o]));
const byStatus = orders.reduce((acc, o) => {
  (acc[o.status] ||= []).push(o.id);
  return acc;
}, {});
const pivot = Object.fromEntries(response.customers.map((c) => [
  c.name,
  Object.fromEntries(['paid', 'refunded', 'pending'].map((s) => [
    s, c.orders.filter((o) => o.status === s).reduce((t, o) => t + o.total, 0),
  ])),
]));
const tagIndex = {};
for (const c of response.customers) for (const t of c.tags) (tagIndex[t] ??= []).push(c.id);
const lastPaid = orders.findLast((o) => o.status === 'paid');
const lastPaidIndex = orders.findLastIndex((o) => o.status === 'paid');
const pick = (obj, ...keys) => Object.fromEntries(keys.filter((k) => k in obj).map((k) => [k, obj[k]]));
const noOrders = response.customers.filter((c) => !c.orders.length).map((c) => c.name);
const allTags = [...new Set(response.customers.map((c) => c.tags).flat())].sort();
const nested = [[1, [2, [3, [4]]]]].flat(Infinity);

({
  count: orders.length,
  o3: pick(byId.o3, 'customer', 'total', 'missing'),
  byStatus,
  pivot: pivot.Ada,
  tagIndex,
  lastPaid: lastPaid.id,
  lastPaidIndex,
  secondLast: orders.at(-2).id,
  noOrders,
  allTags,
  nested,
})
