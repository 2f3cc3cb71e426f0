// expect-value: [true,false,"v",0,"meta",false]
const original = { when: new Date(0), list: [1, { deep: true }], map: new Map([['k', 'v']]) };
const copy = structuredClone(original);
copy.list[1].deep = false;
const wm = new WeakMap();
const key = {};
wm.set(key, 'meta');
[original.list[1].deep, copy.list[1].deep, copy.map.get('k'), copy.when.getTime(), wm.get(key), wm.has({})]
