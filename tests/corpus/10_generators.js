// expect-value: [[0,3,6,9],[0,1,1,2,3,5,8,13,21,34]]
function* range(start, end, step = 1) { for (let i = start; i < end; i += step) yield i; }
function* take(it, n) { let i = 0; for (const v of it) { if (i++ >= n) return; yield v; } }
function* fib() { let [a, b] = [0, 1]; for (;;) { yield a; [a, b] = [b, a + b]; } }
[[...range(0, 10, 3)], [...take(fib(), 10)]]
