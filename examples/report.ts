// TypeScript runs too: `stockade run report.ts` (the language comes from
// the extension; `--language typescript` for stdin). Types are checked by
// nobody here: they are stripped, as `tsc --transpileOnly` would.
interface Reading {
  sensor: string;
  celsius: number;
}

enum Level {
  Normal = 'normal',
  Hot = 'hot',
}

const readings: Reading[] = [
  { sensor: 'a', celsius: 21.5 },
  { sensor: 'b', celsius: 38.2 },
  { sensor: 'a', celsius: 22.1 },
];

function classify({ celsius }: Reading): Level {
  return celsius > 30 ? Level.Hot : Level.Normal;
}

const bySensor = readings.reduce<Record<string, Level[]>>((acc, r) => {
  (acc[r.sensor] ??= []).push(classify(r));
  return acc;
}, {});

bySensor;
