// expect-value: ["2024-02-29T12:30:00.000Z",4,"2024-03-01",9,-4,-1,5,3,true,true,3.14,"1234.57"]
const d = new Date(Date.UTC(2024, 1, 29, 12, 30));
[d.toISOString(), d.getUTCDay(), new Date(d.getTime() + 86400000).toISOString().slice(0, 10),
 Math.max(...[3, 9, 2]), Math.trunc(-4.7), Math.sign(-3), Math.hypot(3, 4), Math.cbrt(27),
 Number.isInteger(5.0), Number.EPSILON > 0, Number.parseFloat('3.14abc'), (1234.5678).toFixed(2)]
