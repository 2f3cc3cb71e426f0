// expect-value: {"all":["user-1","user-2"],"summary":["user-1","user-2","! user 3 not found"],"fastest":"mirror c","aggregate":["AggregateError",["x","y"]],"quick":"quick","slow":"timed out after 30 ms","pooled":{"results":[60,20,40,10,30],"peak":2},"calls":5}
// Fan out "requests" with timers and combine them the usual ways: all,
// allSettled, any, race with a timeout, and a concurrency-limited pool.
const sleep = (ms, value) => new Promise((resolve) => setTimeout(resolve, ms, value));
const fail = (ms, message) => new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms));
const log = [];

async function fetchUser(id) {
  await sleep(10 * id);
  log.push(`user ${id}`);
  if (id === 3) throw new Error(`user ${id} not found`);
  return { id, name: `user-${id}` };
}

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function pool(tasks, limit) {
  const results = new Array(tasks.length);
  let next = 0;
  let active = 0;
  let peak = 0;
  async function worker() {
    while (next < tasks.length) {
      const i = next++;
      active++;
      peak = Math.max(peak, active);
      results[i] = await tasks[i]();
      active--;
    }
  }
  await Promise.all(Array.from({ length: limit }, worker));
  return { results, peak };
}

async function main() {
  const all = await Promise.all([1, 2].map(fetchUser));
  const settled = await Promise.allSettled([1, 2, 3].map(fetchUser));
  const summary = settled.map((s) => (s.status === 'fulfilled' ? s.value.name : `! ${s.reason.message}`));
  const fastest = await Promise.any([fail(5, 'mirror a down'), sleep(20, 'mirror b'), sleep(15, 'mirror c')]);
  let aggregate;
  try {
    await Promise.any([fail(1, 'x'), fail(2, 'y')]);
  } catch (e) {
    aggregate = [e.constructor.name, e.errors.map((x) => x.message)];
  }
  const quick = await withTimeout(sleep(5, 'quick'), 50);
  let slow;
  try { await withTimeout(sleep(100, 'slow'), 30); } catch (e) { slow = e.message; }
  const pooled = await pool([30, 10, 20, 5, 15].map((ms) => () => sleep(ms, ms * 2)), 2);
  return { all: all.map((u) => u.name), summary, fastest, aggregate, quick, slow, pooled, calls: log.length };
}
main()
