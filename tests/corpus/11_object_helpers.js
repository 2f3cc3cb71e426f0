// expect-value: [{"apple":1.08,"pear":0.72,"kiwi":2.25},3,4.5,true,{"a":1,"b":2},true]
const prices = { apple: 1.2, pear: 0.8, kiwi: 2.5 };
const discounted = Object.fromEntries(Object.entries(prices).map(([k, v]) => [k, Math.round(v * 0.9 * 100) / 100]));
const frozen = Object.freeze({ x: 1 });
[discounted, Object.keys(prices).length, Object.values(prices).reduce((a, b) => a + b, 0), Object.isFrozen(frozen),
 Object.assign({}, { a: 1 }, { b: 2 }), Object.hasOwn(prices, 'kiwi')]
