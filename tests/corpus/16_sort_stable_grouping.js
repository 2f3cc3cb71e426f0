// expect-value: {"sorted":["ben","cat","ann","dan","eve"],"groups":{"red":["ann","cat","eve"],"blue":["ben","dan"]}}
const people = [
  { name: 'ann', team: 'red', score: 3 }, { name: 'ben', team: 'blue', score: 5 },
  { name: 'cat', team: 'red', score: 5 }, { name: 'dan', team: 'blue', score: 3 },
  { name: 'eve', team: 'red', score: 3 },
];
const sorted = [...people].sort((a, b) => b.score - a.score).map((p) => p.name);
const groups = people.reduce((acc, p) => { (acc[p.team] ||= []).push(p.name); return acc; }, {});
({ sorted, groups })
