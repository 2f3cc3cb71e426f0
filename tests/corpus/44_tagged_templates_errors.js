// expect-value: ["<p title=\"a &quot;quoted&quot; &lt;b&gt;\">Tom &amp; Jerry&#39;s</p>","SELECT *\n  FROM users\nWHERE id = 42","C:\\temp\\new 2","Total: $19.50 for $3.00 items\\n",{"count":3,"raw":"\\tb","cooked":"\tb","values":[1,2]},["AppError(could not load configuration)","ValidationError(config: not valid JSON)","SyntaxError"],["NotFoundError",404,true,true,true,"NotFoundError: no such user"],true,false]
// Template literal tags (an escaping html tag, a dedent tag, String.raw, a
// currency tag) and an error hierarchy with `cause` chains.
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const html = (strings, ...values) => strings.reduce((out, s, i) => out + s + (i < values.length ? escapeHtml(values[i]) : ''), '');

function dedent(strings, ...values) {
  const text = String.raw({ raw: strings }, ...values);
  const lines = text.replace(/^\n/, '').replace(/\n\s*$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)[0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

const money = (strings, ...values) => strings.raw.map((s, i) =>
  s + (i < values.length ? (typeof values[i] === 'number' ? `$${values[i].toFixed(2)}` : values[i]) : '')).join('');

const tagInfo = (strings, ...values) => ({ count: strings.length, raw: strings.raw[1], cooked: strings[1], values });

class AppError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = this.constructor.name;
  }
}
class ValidationError extends AppError {
  constructor(field, message, options) {
    super(`${field}: ${message}`, options);
    this.field = field;
  }
}
class NotFoundError extends AppError {
  status = 404;
}

function parseConfig(text) {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError('config', 'not valid JSON', { cause: err });
  }
}
function loadConfig(text) {
  try {
    return parseConfig(text);
  } catch (err) {
    throw new AppError('could not load configuration', { cause: err });
  }
}

const chain = [];
try {
  loadConfig('{bad json');
} catch (e) {
  for (let c = e; c; c = c.cause) chain.push(c.name + (c instanceof AppError ? `(${c.message})` : ''));
}
const nf = new NotFoundError('no such user');

[
  html`<p title="${'a "quoted" <b>'}">${"Tom & Jerry's"}</p>`,
  dedent`
      SELECT *
        FROM users
      WHERE id = ${42}
  `,
  String.raw`C:\temp\new ${1 + 1}`,
  money`Total: ${19.5} for ${3} items\n`,
  tagInfo`a${1}\tb${2}c`,
  chain,
  [nf.name, nf.status, nf instanceof AppError, nf instanceof Error, nf.stack !== undefined, `${nf}`],
  Object.prototype.hasOwnProperty.call(new Error('x', { cause: 0 }), 'cause'),
  'cause' in new Error('y'),
]
