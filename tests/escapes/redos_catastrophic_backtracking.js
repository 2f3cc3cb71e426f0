// expect: TIMEOUT
// why: ReDoS, exponential backtracking inside the native regexp engine,
//   where no bytecode runs (stopped by the allocator or the hard kill)
// timeout_ms: 300
/^(x+x+)+y$/.test(new Array(5000).join('x'));
