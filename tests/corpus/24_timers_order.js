// expect-value: ["sync","microtask","queueMicrotask","timeout 0","timeout 20"]
const log = [];
setTimeout(() => log.push('timeout 20'), 20);
setTimeout(() => log.push('timeout 0'), 0);
Promise.resolve().then(() => log.push('microtask'));
queueMicrotask(() => log.push('queueMicrotask'));
log.push('sync');
new Promise((resolve) => setTimeout(() => resolve(log), 50))
