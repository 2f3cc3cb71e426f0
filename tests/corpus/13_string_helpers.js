// expect-value: ["Hello, World",14,14,"***abc","abc--","a+b+c","xxx",true,true,"SS",["a","b","","c"],"o","a\\nb"]
const s = '  Hello, World  ';
[s.trim(), s.trimStart().length, s.trimEnd().length, 'abc'.padStart(6, '*'), 'abc'.padEnd(5, '-'),
 'a-b-c'.replaceAll('-', '+'), 'x'.repeat(3), 'Hello'.startsWith('He'), 'Hello'.includes('ll'),
 'ß'.toUpperCase(), 'a,b,,c'.split(','), 'hello'.at(-1), String.raw`a\nb`]
