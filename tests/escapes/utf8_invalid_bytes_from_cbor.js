// expect: OK
// why: CBOR.decode builds strings from raw bytes: 0xFF, a truncated
//   sequence, and overlong forms of '"' (C0 A2) and '\' (C1 9C) that the JSON
//   encoder used to emit unescaped, breaking out of the JSON string
// expect-value: [4,"A\u0022\u005cB",{"\u0000":"ok"}]
// expect-console-contains: A
function cbor(bytes) { return CBOR.decode(new Uint8Array(bytes)); }
var quote = cbor([0x66, 0x41, 0xc0, 0xa2, 0xc1, 0x9c, 0x42]);
var nul = cbor([0x62, 0xc0, 0x80]);
var junk = cbor([0x64, 0x41, 0xff, 0xe2, 0x82]);
console.log(quote, junk);
var o = {};
o[nul] = 'ok';
[quote.length, quote, o];
