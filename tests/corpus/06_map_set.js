// expect-value: {"top":[["the",3],["and",2],["bat",1]],"size":5,"unique":[3,1,2],"has":true}
const counts = new Map();
for (const word of 'the cat and the hat and the bat'.split(' ')) counts.set(word, (counts.get(word) || 0) + 1);
const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3);
const unique = new Set([3, 1, 3, 2, 1]);
({ top, size: counts.size, unique: [...unique], has: unique.has(2) })
