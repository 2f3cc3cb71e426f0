// expect: OK
// why: the iterator prototypes (%ArrayIteratorPrototype%, Map's, Set's,
//   String's, %IteratorPrototype%) hang off no global property, only off
//   what calling an iterator method returns; replace their `next` so the
//   next run's for...of, spread and Array.from see nothing (or a spy)
// expect-value: ["TypeError","TypeError","TypeError","TypeError","TypeError",[1,2,3]]
// then: var m = new Map([[1, 'a']]), out = []; var it = [1, 2, 3][Symbol.iterator](); out.push(it.next().value); var mi = m.entries(); out.push(mi.next().value[1]); out.push(new Set(['s']).values().next().value, 'xy'[Symbol.iterator]().next().value); [out, typeof Object.getPrototypeOf(Object.getPrototypeOf(it)).spy, Array.from(m.keys())]
// then-expect-value: [[1,"a","s","x"],"undefined",[1]]
'use strict';
function attempt(f) { try { f(); return 'silent'; } catch (e) { return e.name; } }
function protoOf(it) { return Object.getPrototypeOf(it); }
var stop = function () { return { done: true, value: undefined }; };
var arrayIter = protoOf([][Symbol.iterator]());
[attempt(function () { arrayIter.next = stop; }),
 attempt(function () { protoOf(new Map().entries()).next = stop; }),
 attempt(function () { protoOf(new Set().values()).next = stop; }),
 attempt(function () { protoOf(''[Symbol.iterator]()).next = stop; }),
 attempt(function () { protoOf(arrayIter).spy = 'planted'; }),
 Array.from(new Set([1, 2, 3]))];
