// expect: OK
// why: toJSON of the completion value writes to the console while the
//   worker encodes the result: the line must still arrive, before the result
// expect-value: {"v":"encoded"}
// expect-console-contains: logged while encoding
({ v: { toJSON: function () { console.log('logged while encoding'); return 'encoded'; } } });
