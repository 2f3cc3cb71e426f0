// Step 2: the next run sees step 1's orders and byCustomer, and keeps its
// own totals for step 3.
const totals: Map<string, number> = byCustomer(orders)
const best = [...totals].sort((a, b) => b[1] - a[1])[0]
console.log(`best customer: ${best[0]} (${best[1]})`)
best
