// expect: OK
// why: lone surrogates in console output and in a thrown-then-caught
//   error's stack printed to the console
// expect-value: "done"
// expect-console-contains: a � b � c
// expect-console-contains: �
console.log('a', '\uD800', 'b', String.fromCharCode(0xDC00), 'c');
try { throw new Error('\uDFFF in a message'); } catch (e) { console.error(e); }
'done';
