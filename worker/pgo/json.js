// JSON in and out: a nested document parsed, reshaped, filtered and
// stringified (with and without indentation), numbers formatted.
var doc = { users: [] };
for (var i = 0; i < 300; i++) {
  doc.users.push({ id: 'u' + i, age: 18 + i % 50, score: i * 3.5, roles: i % 4 ? ['user'] : ['user', 'admin'],
                   address: { city: ['Oslo', 'Lima', 'Pune'][i % 3], zip: 1000 + i }, active: i % 5 !== 0 });
}
var text = JSON.stringify(doc);
var back = JSON.parse(text);
var admins = back.users.filter(function (u) { return u.roles.indexOf('admin') >= 0; });
var byCity = back.users.reduce(function (acc, u) {
  (acc[u.address.city] = acc[u.address.city] || []).push(u.id);
  return acc;
}, {});
var pretty = JSON.stringify({ admins: admins.slice(0, 5), cities: Object.keys(byCity) }, null, 2);
var copy = JSON.parse(JSON.stringify(back.users.slice(0, 50)), function (k, v) {
  return k === 'score' ? Math.round(v) : v;
});
var avg = back.users.reduce(function (s, u) { return s + u.age; }, 0) / back.users.length;
({ bytes: text.length, admins: admins.length, pretty: pretty.length, first: copy[1], avg: avg.toFixed(3),
   exp: (12345.678).toExponential(2), fixed: (0.1 + 0.2).toFixed(10) });
