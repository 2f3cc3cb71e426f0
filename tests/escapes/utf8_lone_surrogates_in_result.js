// expect: OK
// why: lone surrogates and a valid pair in the completion value; protobuf
//   rejects invalid UTF-8, so they must be escaped, not passed through
// expect-value: ["\ud800","\udc00","x\udbffy","😀"]
['\uD800', String.fromCharCode(0xDC00), 'x\uDBFFy', '\uD83D\uDE00'];
