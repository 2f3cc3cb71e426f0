// expect-value: ["api.example.com","/v1/items",["a","b"],"https://api.example.com/v1/items?limit=20&tag=a&tag=b#top","q=hello+world&page=2","YWdlbnQ=","agent"]
const u = new URL('https://api.example.com/v1/items?limit=10&tag=a&tag=b#top');
u.searchParams.set('limit', '20');
const params = new URLSearchParams({ q: 'hello world', page: '2' });
[u.hostname, u.pathname, u.searchParams.getAll('tag'), u.toString(), params.toString(), btoa('agent'), atob('YWdlbnQ=')]
