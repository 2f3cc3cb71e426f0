// Console output streams as it happens; the last expression is the result.
console.log("hello from a confined worker");
var primes = [];
for (var n = 2; primes.length < 10; n++) {
  if (primes.every(function (p) { return n % p !== 0; })) primes.push(n);
}
console.warn("found", primes.length, "primes");
({ primes: primes, sum: primes.reduce(function (a, b) { return a + b; }, 0) });
