// expect: OK
// why: out-of-bounds reads and writes through typed arrays, DataView and
//   subarray/slice offsets; the backing store must stay untouched
// expect-value: ["RangeError","RangeError","RangeError",[0,0,0,0,0,0,0,0],4,0]
var buf = new ArrayBuffer(8), r = [];
try { new Uint8Array(buf, 1e9); } catch (e) { r.push(e.name); }
try { new DataView(buf).getUint32(6); } catch (e) { r.push(e.name); }
try { new DataView(buf).setFloat64(1, 1); } catch (e) { r.push(e.name); }
var u = new Uint8Array(buf);
u[8] = 1; u[-1] = 1; u[1e9] = 1;
new Uint32Array(buf, 4)[1] = 0xffffffff;
u.subarray(4, 1e9)[10] = 7;
r.push(Array.prototype.slice.call(new Uint8Array(buf)));
r.push(u.subarray(4, 1e9).length);
r.push(Uint8Array.allocPlain(4)[1e6] === undefined ? 0 : 1);
r;
