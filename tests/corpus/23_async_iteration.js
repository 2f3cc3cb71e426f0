// expect-value: ["1:10","1:11","2:20","2:21","3:30","3:31"]
async function* pages(total) {
  for (let p = 1; p <= total; p++) {
    await new Promise((r) => setTimeout(r, 5));
    yield { page: p, items: [p * 10, p * 10 + 1] };
  }
}
async function main() {
  const all = [];
  for await (const { page, items } of pages(3)) all.push(...items.map((i) => `${page}:${i}`));
  return all;
}
main()
