// expect: OK
// why: turn raw 0xFF/0xC0 bytes into strings every way Duktape offers
//   (fromCharCode, TextDecoder, the Node Buffer) and return and print them
// expect-value: ["ÿÀA","�","�"]
// expect-console-contains: ÿÀA � �
var a = String.fromCharCode.apply(null, new Uint8Array([0xff, 0xc0, 0x41]));
var b = new TextDecoder().decode(new Uint8Array([0xff]));
var c = new Buffer([0xc0]).toString();
console.log(a, b, c);
[a, b, c];
