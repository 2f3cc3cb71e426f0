// expect-value: {"formatted":["click@10,20","key a","key B","scroll -120","click@5,5"],"one":"scroll -120","counts":{"click":2,"key":2,"scroll":1},"clicks":[200,25],"keys":"ab","summary":{"total":5,"kinds":["click","key","scroll"]},"display":{"theme":"dark","fontSize":14},"behaviour":{"autosave":true,"lang":"de"},"fontSize":14,"missing":"event 99 is missing","guards":[true,false,false]}
// Typed event processing: discriminated unions with type guards, utility
// types (Partial, Pick, Omit, Record, ReturnType, Readonly), function
// overloads, keyof/indexed access and assertion functions.
interface BaseEvent { id: number; at: string }
interface Click extends BaseEvent { kind: 'click'; x: number; y: number }
interface KeyPress extends BaseEvent { kind: 'key'; key: string; shift?: boolean }
interface Scroll extends BaseEvent { kind: 'scroll'; delta: number }
type UiEvent = Click | KeyPress | Scroll;
type EventKind = UiEvent['kind'];

const isClick = (e: UiEvent): e is Click => e.kind === 'click';
function isKey(e: UiEvent): e is KeyPress { return e.kind === 'key'; }
function assertDefined<T>(value: T | undefined, what: string): asserts value is T {
  if (value === undefined) throw new Error(`${what} is missing`);
}
function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((v) => typeof v === 'string');
}

function format(e: UiEvent): string;
function format(e: UiEvent[]): string[];
function format(e: UiEvent | UiEvent[]): string | string[] {
  if (Array.isArray(e)) return e.map((x) => format(x));
  switch (e.kind) {
    case 'click': return `click@${e.x},${e.y}`;
    case 'key': return `key ${e.shift ? e.key.toUpperCase() : e.key}`;
    case 'scroll': return `scroll ${e.delta > 0 ? '+' : ''}${e.delta}`;
    default: {
      const never: never = e;
      return never;
    }
  }
}

type Settings = { theme: 'light' | 'dark'; fontSize: number; autosave: boolean; lang: string };
const defaults: Readonly<Settings> = { theme: 'light', fontSize: 14, autosave: true, lang: 'en' };
function configure(overrides: Partial<Settings>): Settings { return { ...defaults, ...overrides }; }
type Display = Pick<Settings, 'theme' | 'fontSize'>;
type Behaviour = Omit<Settings, keyof Display>;
function split(s: Settings): [Display, Behaviour] {
  const { theme, fontSize, ...rest } = s;
  return [{ theme, fontSize }, rest];
}
function get<T, K extends keyof T>(obj: T, key: K): T[K] { return obj[key]; }

const events: UiEvent[] = [
  { id: 1, at: '2024-05-01T10:00:00Z', kind: 'click', x: 10, y: 20 },
  { id: 2, at: '2024-05-01T10:00:01Z', kind: 'key', key: 'a' },
  { id: 3, at: '2024-05-01T10:00:02Z', kind: 'key', key: 'b', shift: true },
  { id: 4, at: '2024-05-01T10:00:03Z', kind: 'scroll', delta: -120 },
  { id: 5, at: '2024-05-01T10:00:04Z', kind: 'click', x: 5, y: 5 },
];

const counts = events.reduce<Record<EventKind, number>>((acc, e) => {
  acc[e.kind]++;
  return acc;
}, { click: 0, key: 0, scroll: 0 });
const clicks = events.filter(isClick).map(({ x, y }) => x * y);
const keys = events.filter(isKey).map((k) => k.key).join('');
const makeSummary = () => ({ total: events.length, kinds: Object.keys(counts) as EventKind[] });
const summary: ReturnType<typeof makeSummary> = makeSummary();
const [display, behaviour] = split(configure({ theme: 'dark', lang: 'de' }));
let missing = '';
try {
  const found = events.find((e) => e.id === 99);
  assertDefined(found, 'event 99');
} catch (err) {
  missing = (err as Error).message;
}

({
  formatted: format(events),
  one: format(events[3]),
  counts,
  clicks,
  keys,
  summary,
  display,
  behaviour,
  fontSize: get(defaults, 'fontSize'),
  missing,
  guards: [isStringArray(['a', 'b']), isStringArray(['a', 1]), isStringArray('ab')],
})
