// Step 3: `_` is the last value a run produced (step 2's best customer).
orders.push({ id: 4, customer: 'lin', total: 40 })
;({ before: _, now: [...byCustomer(orders)].sort((a, b) => b[1] - a[1])[0], kept: totals.size })
