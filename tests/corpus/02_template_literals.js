// expect-value: {"line":"3 x A-1 @ 2.50 = 7.50","lines":2}
const item = { sku: 'A-1', qty: 3, price: 2.5 };
const line = `${item.qty} x ${item.sku} @ ${item.price.toFixed(2)} = ${(item.qty * item.price).toFixed(2)}`;
const multi = `first
second`;
({ line, lines: multi.split('\n').length })
