// Step 1 of a session: load data and define a helper. Run the steps in one
// session with `stockade run examples/session/*.js` (or each one through
// the daemon with "sessionId", or typed into `stockade repl`).
const orders = [
  { id: 1, customer: 'ada', total: 30 },
  { id: 2, customer: 'lin', total: 12.5 },
  { id: 3, customer: 'ada', total: 7 },
]

function byCustomer(rows) {
  const out = new Map()
  for (const r of rows) out.set(r.customer, (out.get(r.customer) ?? 0) + r.total)
  return out
}

console.log(`loaded ${orders.length} orders`)
