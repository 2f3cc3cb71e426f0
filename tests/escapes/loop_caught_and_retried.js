// expect: TIMEOUT
// why: catch the timeout error, loop again in catch and finally, and try to
//   return a value as if nothing happened
// timeout_ms: 300
var result = 'survived';
try {
  while (true) {}
} catch (e) {
  try { while (true) {} } catch (e2) { result = 'caught twice'; }
} finally {
  for (;;) { try { while (true) {} } catch (e3) { result = 'still alive'; } }
}
result;
