// expect-value: {"ok":[1,3],"parallel":["a","b"]}
const delay = (ms, v) => new Promise((resolve) => setTimeout(() => resolve(v), ms));
async function fetchAll(ids) {
  const results = [];
  for (const id of ids) results.push(await delay(10, { id, ok: id % 2 === 1 }));
  return results;
}
async function main() {
  const items = await fetchAll([1, 2, 3]);
  const parallel = await Promise.all([delay(30, 'a'), delay(10, 'b')]);
  return { ok: items.filter((i) => i.ok).map((i) => i.id), parallel };
}
main()
