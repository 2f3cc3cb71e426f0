// expect: OK
// why: local-time functions would read /etc/localtime (a forbidden open)
//   and leak the host's time zone; scripts must see UTC
// expect-value: [0,"1970-01-01T00:00:00.000Z",0]
var d = new Date(0);
[d.getTimezoneOffset(), d.toISOString(), d.getHours()];
