// expect-value: [6,[0,1,2]]
const makeCounter = (start = 0) => {
  let n = start;
  return { inc: () => ++n, dec: () => --n, get value() { return n; } };
};
const c = makeCounter(5);
c.inc(); c.inc(); c.dec();
const fns = [];
for (let i = 0; i < 3; i++) fns.push(() => i);
[c.value, fns.map((f) => f())]
