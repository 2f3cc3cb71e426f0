// expect-value: [[1,2,[3,[4]]],[1,2,3,4],["a",5,"b",4,"g",5,"d",5],true,"gamma",0,"delta",[0,1,4,9],[7,8],[1,2,3],"delta"]
const nested = [1, [2, [3, [4]]]];
const words = ['alpha', 'beta', 'gamma', 'delta'];
[nested.flat(), nested.flat(Infinity), words.flatMap((w) => [w[0], w.length]), words.includes('beta'),
 words.find((w) => w.startsWith('g')), words.findIndex((w) => w.endsWith('a')), words.at(-1),
 Array.from({ length: 4 }, (_, i) => i * i), Array.of(7, 8), [3, 1, 2].sort((a, b) => a - b),
 words.findLast((w) => w.length === 5)]
