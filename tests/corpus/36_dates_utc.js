// expect-value: {"plusOneMonth":"2024-02-29","plusThirteen":"2025-02-28","businessDays":24,"duration":"33d 8h 30m 30s","offsetUtc":"2024-06-01T06:00:00.000Z","weekOfNewYear":53,"weekOfLeapDay":9,"events":["2023-12-31","2024-02-29","2024-03-10"],"invalid":true,"json":"{\"at\":\"2020-01-01T00:00:00.000Z\"}","startOfQuarter":"2024-01-01"}
// Date handling the way agents do it: ISO strings in, UTC arithmetic,
// business days, month ends, durations and week numbers out.
const DAY = 24 * 60 * 60 * 1000;
const parse = (iso) => new Date(iso);
const ymd = (d) => d.toISOString().slice(0, 10);

function addMonths(date, n) {
  const d = new Date(date.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + n);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

function businessDaysBetween(a, b) {
  let n = 0;
  for (let t = a.getTime(); t < b.getTime(); t += DAY) {
    const wd = new Date(t).getUTCDay();
    if (wd !== 0 && wd !== 6) n++;
  }
  return n;
}

function isoWeek(date) {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const dayNum = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - dayNum);
  const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
  return Math.ceil(((d - yearStart) / DAY + 1) / 7);
}

function humanDuration(ms) {
  const parts = [];
  for (const [unit, size] of [['d', DAY], ['h', 3600000], ['m', 60000], ['s', 1000]]) {
    const q = Math.floor(ms / size);
    if (q) parts.push(`${q}${unit}`);
    ms -= q * size;
  }
  return parts.join(' ') || '0s';
}

const start = parse('2024-01-31T09:15:00Z');
const end = parse('2024-03-04T17:45:30.000Z');
const offset = parse('2024-06-01T08:00:00+02:00');
const events = ['2024-03-10T10:00:00Z', '2023-12-31T23:59:59Z', '2024-02-29T00:00:00Z']
  .map(parse).sort((a, b) => a - b).map(ymd);

({
  plusOneMonth: ymd(addMonths(start, 1)),
  plusThirteen: ymd(addMonths(start, 13)),
  businessDays: businessDaysBetween(start, end),
  duration: humanDuration(end - start),
  offsetUtc: offset.toISOString(),
  weekOfNewYear: isoWeek(parse('2021-01-03T00:00:00Z')),
  weekOfLeapDay: isoWeek(parse('2024-02-29T12:00:00Z')),
  events,
  invalid: Number.isNaN(parse('not a date').getTime()),
  json: JSON.stringify({ at: new Date(Date.UTC(2020, 0, 1)) }),
  startOfQuarter: ymd(new Date(Date.UTC(2024, Math.floor(end.getUTCMonth() / 3) * 3, 1))),
})
