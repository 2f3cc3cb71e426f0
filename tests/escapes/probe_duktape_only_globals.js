// expect: OK
// why: Duktape's non-standard globals are gone: CBOR (whose decode made
//   strings of raw, invalid UTF-8 bytes) and the Node-style Buffer; look
//   for them by name, through the global's own names, through a fresh
//   global from Function('return this'), and through everything reachable
//   from the global object; the web's TextEncoder/TextDecoder stay
// timeout_ms: 3000
// expect-value: [["undefined","undefined"],[false,false],[],"ÿ�",[195,191]]
var g = Function('return this')();
var names = ['CBOR', 'Buffer'];
var found = [], seen = [], queue = [globalThis];
function visit(v) {
  if ((typeof v === 'object' || typeof v === 'function') && v !== null && seen.indexOf(v) < 0) {
    seen.push(v);
    queue.push(v);
  }
}
while (queue.length) {
  var o = queue.shift();
  visit(Object.getPrototypeOf(o));
  Object.getOwnPropertyNames(o).forEach(function (k) {
    if (names.indexOf(k) >= 0 || /^(decode|encode)$/.test(k) && o !== TextDecoder.prototype && o !== TextEncoder.prototype) {
      found.push(k);
    }
    var d = Object.getOwnPropertyDescriptor(o, k);
    if (!d) return;
    visit(d.get); visit(d.set);
    if ('value' in d) visit(d.value);
  });
}
[[typeof CBOR, typeof Buffer], names.map(function (n) { return n in g; }), found,
 new TextDecoder().decode(new Uint8Array([0xc3, 0xbf, 0xff])),
 Array.prototype.slice.call(new TextEncoder().encode('\u00ff'))];
