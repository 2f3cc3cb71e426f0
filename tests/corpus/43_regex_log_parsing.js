// expect-value: {"count":4,"first":{"ip":"203.0.113.9","method":"GET","params":{"id":"42","ref":"mail-0424"},"time":"10:01:22"},"errors":["POST /api/login -> 401","DELETE /api/users/42 -> 500"],"bytesByIp":{"203.0.113.9":512,"198.51.100.7":87,"192.0.2.44":1024},"redacted":"<ip> - - [12/Mar/2024:10:01:22 +0000] \"GET /api/users?id=42&ref=*** HTTP/1.1\" 200 512","masked":["203.0.x.x - -","198.51.x.x - ","203.0.x.x - -","192.0.x.x - -"],"span":108,"routes":["/api/users","/api/login","/api/users"],"swapped":"12.03.2024","camel":"userAccountId","kebab":"parse-http-response-code","json":[{"ok":true},null],"lastIndexReset":0}
// Parse access-log lines with named groups and matchAll, mask with
// replaceAll and replacement functions, and validate input with optional
// catch binding around JSON.parse.
const logs = `203.0.113.9 - - [12/Mar/2024:10:01:22 +0000] "GET /api/users?id=42&ref=mail-0424 HTTP/1.1" 200 512
198.51.100.7 - - [12/Mar/2024:10:01:25 +0000] "POST /api/login HTTP/1.1" 401 87
203.0.113.9 - - [12/Mar/2024:10:02:01 +0000] "GET /static/app.js HTTP/1.1" 304 0
192.0.2.44 - - [12/Mar/2024:10:03:10 +0000] "DELETE /api/users/42?ref=admin HTTP/1.1" 500 1024`;

const line = /^(?<ip>[\d.]+) \S+ \S+ \[(?<day>\d{2})\/(?<mon>\w{3})\/(?<year>\d{4}):(?<time>[\d:]+) [^\]]+\] "(?<method>[A-Z]+) (?<path>[^ ?"]+)(?:\?(?<query>[^ "]*))? [^"]*" (?<status>\d{3}) (?<bytes>\d+)$/gm;
const entries = [...logs.matchAll(line)].map(({ groups }) => ({
  ...groups,
  status: Number(groups.status),
  bytes: Number(groups.bytes),
  params: Object.fromEntries(new URLSearchParams(groups.query ?? '')),
}));

const errors = entries.filter((e) => e.status >= 400).map((e) => `${e.method} ${e.path} -> ${e.status}`);
const bytesByIp = entries.reduce((acc, { ip, bytes }) => ({ ...acc, [ip]: (acc[ip] ?? 0) + bytes }), {});
const redacted = logs.split('\n')[0]
  .replace(/ref=[^& ]+/g, 'ref=***')
  .replaceAll('203.0.113.9', '<ip>');
const masked = logs.replace(/(?<a>\d+)\.(?<b>\d+)\.\d+\.\d+/g, (...args) => {
  const { a, b } = args.at(-1);
  return `${a}.${b}.x.x`;
}).split('\n').map((l) => l.slice(0, 13));
const times = [...logs.matchAll(/:(\d{2}):(\d{2}):(\d{2}) /g)].map(([, h, m, s]) => +h * 3600 + +m * 60 + +s);
const routes = logs.match(/\/api\/\w+/g);
const swapped = '2024-03-12'.replace(/(\d+)-(\d+)-(\d+)/, '$3.$2.$1');
const camel = 'user_account_id'.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const kebab = 'parseHttpResponseCode'.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function tryJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

({
  count: entries.length,
  first: { ip: entries[0].ip, method: entries[0].method, params: entries[0].params, time: entries[0].time },
  errors,
  bytesByIp,
  redacted,
  masked,
  span: times.at(-1) - times[0],
  routes,
  swapped,
  camel,
  kebab,
  json: [tryJson('{"ok":true}'), tryJson('{oops}')],
  lastIndexReset: line.lastIndex,
})
