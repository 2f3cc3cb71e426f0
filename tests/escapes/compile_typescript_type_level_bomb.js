// expect: MEMORY_LIMIT
// why: TypeScript whose types double at every step of a template-literal
//   recursion (2^36 characters): lowering only transpiles, yet TypeScript
//   still instantiates the alias; the compiler worker must be stopped by
//   its heap limit, the request told why, and the next lowering served by
//   a compiler worker that works
// language: typescript
// timeout_ms: 3000
// expect-detail-contains: lowering.heap_bytes
// then: const double = (x) => x * 2; [double(21), `lowered ${'again'}`]
// then-expect-value: [42,"lowered again"]
type Doubled<T extends string> = T extends `${infer H}${infer R}` ? `${Doubled<R>}${H}${Doubled<R>}` : T;
type Bomb = Doubled<"abcdefghijklmnopqrstuvwxyz0123456789">;
const answer: number = 42;
answer;
