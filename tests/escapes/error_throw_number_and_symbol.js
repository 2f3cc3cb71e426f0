// expect: RUNTIME_ERROR
// why: throw a Symbol, whose String() conversion throws by definition
// expect-detail-contains: Symbol(thrown)
try { throw 42; } catch (e) {}
throw Symbol('thrown');
