// expect: OK
// why: turn raw 0xFF/0xC0 bytes into strings every way a script still has
//   (fromCharCode over bytes, TextDecoder) and return and print them; the
//   raw-byte sources (CBOR, the Node Buffer) are gone, and a worker that
//   writes raw bytes itself is tested with the hostile worker
//   (integration_pool_confinement_test, Hostile.InvalidUtf8...)
// expect-value: ["ÿÀA","�",["undefined","undefined"]]
// expect-console-contains: ÿÀA �
var a = String.fromCharCode.apply(null, new Uint8Array([0xff, 0xc0, 0x41]));
var b = new TextDecoder().decode(new Uint8Array([0xff]));
console.log(a, b);
[a, b, [typeof Buffer, typeof CBOR]];
