// expect-value: {"settled":["fulfilled","rejected"],"caught":"RangeError: too big: 3","any":20}
async function risky(n) {
  if (n > 2) throw new RangeError(`too big: ${n}`);
  return n * 10;
}
async function main() {
  const settled = await Promise.allSettled([risky(1), risky(5)]);
  let caught;
  try { await risky(3); } catch (e) { caught = `${e.name}: ${e.message}`; }
  const any = await Promise.any([risky(9), risky(2)]);
  return { settled: settled.map((s) => s.status), caught, any };
}
main()
