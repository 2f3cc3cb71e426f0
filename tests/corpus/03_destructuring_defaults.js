// expect-value: ["http://localhost:8080","https://localhost:443",1,"none",[4,5]]
function configure({ host = 'localhost', port = 8080, tls: { enabled = false } = {} } = {}) {
  return `${enabled ? 'https' : 'http'}://${host}:${port}`;
}
const [first, , third = 'none', ...others] = [1, 2, undefined, 4, 5];
[configure(), configure({ port: 443, tls: { enabled: true } }), first, third, others]
