// expect-value: [12,{"id":7,"tags":["x","y"],"nested":{"ok":true,"value":null},"when":0},"{\"a\":[1,{\"b\":2}]}"]
const payload = { id: 7, tags: ['x', 'y'], nested: { ok: true, value: null }, when: new Date(0) };
const text = JSON.stringify(payload, null, 2);
const back = JSON.parse(text, (k, v) => (k === 'when' ? new Date(v).getTime() : v));
[text.split('\n').length, back, JSON.stringify({ a: [1, { b: 2 }] }, ['a', 'b'])]
