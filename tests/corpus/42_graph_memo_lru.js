// expect-value: {"path":["a","b","c","f"],"unreachable":null,"topo":["a","b","d","e","c","f","x","y"],"components":["abcdef","xy"],"paths":601080390,"memoSize":288,"lru":["c","a","d"],"union":"helowrd","intersection":["l","o"]}
// Map/Set algorithms: BFS shortest path, topological sort, connected
// components, a memoised recursive count and an LRU cache built on Map order.
const edges = [['a', 'b'], ['b', 'c'], ['a', 'd'], ['d', 'e'], ['e', 'c'], ['c', 'f'], ['x', 'y']];
const graph = new Map();
for (const [u, v] of edges) {
  if (!graph.has(u)) graph.set(u, new Set());
  if (!graph.has(v)) graph.set(v, new Set());
  graph.get(u).add(v);
}

function shortestPath(from, to) {
  const prev = new Map([[from, null]]);
  const queue = [from];
  while (queue.length) {
    const node = queue.shift();
    if (node === to) break;
    for (const next of graph.get(node) ?? []) {
      if (!prev.has(next)) { prev.set(next, node); queue.push(next); }
    }
  }
  if (!prev.has(to)) return null;
  const path = [];
  for (let n = to; n !== null; n = prev.get(n)) path.unshift(n);
  return path;
}

function topoSort() {
  const indegree = new Map([...graph.keys()].map((k) => [k, 0]));
  for (const targets of graph.values()) for (const t of targets) indegree.set(t, indegree.get(t) + 1);
  const ready = [...indegree].filter(([, d]) => d === 0).map(([k]) => k).sort();
  const order = [];
  while (ready.length) {
    const n = ready.shift();
    order.push(n);
    for (const t of graph.get(n)) {
      indegree.set(t, indegree.get(t) - 1);
      if (indegree.get(t) === 0) { ready.push(t); ready.sort(); }
    }
  }
  return order;
}

function components() {
  const undirected = new Map();
  for (const [u, v] of edges) {
    undirected.set(u, [...(undirected.get(u) ?? []), v]);
    undirected.set(v, [...(undirected.get(v) ?? []), u]);
  }
  const seen = new Set();
  const groups = [];
  for (const start of undirected.keys()) {
    if (seen.has(start)) continue;
    const group = [];
    const stack = [start];
    seen.add(start);
    while (stack.length) {
      const n = stack.pop();
      group.push(n);
      for (const m of undirected.get(n)) if (!seen.has(m)) { seen.add(m); stack.push(m); }
    }
    groups.push(group.sort().join(''));
  }
  return groups;
}

const memo = (fn) => {
  const cache = new Map();
  const wrapped = (...args) => {
    const key = args.join(',');
    if (!cache.has(key)) cache.set(key, fn(...args));
    return cache.get(key);
  };
  wrapped.cache = cache;
  return wrapped;
};
const gridPaths = memo((r, c) => (r === 0 || c === 0 ? 1 : gridPaths(r - 1, c) + gridPaths(r, c - 1)));

class LRU {
  #max;
  #map = new Map();
  constructor(max) { this.#max = max; }
  get(k) {
    if (!this.#map.has(k)) return undefined;
    const v = this.#map.get(k);
    this.#map.delete(k);
    this.#map.set(k, v);
    return v;
  }
  set(k, v) {
    this.#map.delete(k);
    this.#map.set(k, v);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value);
    return this;
  }
  keys() { return [...this.#map.keys()]; }
}
const lru = new LRU(3).set('a', 1).set('b', 2).set('c', 3);
lru.get('a');
lru.set('d', 4);

({
  path: shortestPath('a', 'f'),
  unreachable: shortestPath('f', 'a'),
  topo: topoSort(),
  components: components(),
  paths: gridPaths(16, 16),
  memoSize: gridPaths.cache.size,
  lru: lru.keys(),
  evicted: lru.get('b'),
  union: [...new Set([...'hello', ...'world'])].join(''),
  intersection: [...new Set('hello')].filter((c) => new Set('world').has(c)),
})
