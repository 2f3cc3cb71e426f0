// expect-value: [2,"not a number: x",6]
type Result<T> = { ok: true; value: T } | { ok: false; error: string };
async function parse(input: string): Promise<Result<number>> {
  await null;
  const n = Number(input);
  return Number.isNaN(n) ? { ok: false, error: `not a number: ${input}` } : { ok: true, value: n };
}
async function main(): Promise<(number | string)[]> {
  const results = await Promise.all(['1', 'x', '3'].map(parse));
  return results.map((r) => (r.ok ? r.value * 2 : r.error));
}
main()
