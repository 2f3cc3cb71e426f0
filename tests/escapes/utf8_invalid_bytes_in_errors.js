// expect: RUNTIME_ERROR
// why: an error whose name and message hold raw invalid bytes (from CBOR)
//   and an overlong quote: the report must be valid UTF-8
// expect-error-message-contains: A
var bad = CBOR.decode(new Uint8Array([0x66, 0x41, 0xff, 0xc0, 0xa2, 0xed, 0xa0]));
var e = new Error(bad);
e.name = bad;
throw e;
