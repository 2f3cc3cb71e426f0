// expect: RUNTIME_ERROR
// why: throw a 30 MB string (not an Error)
// timeout_ms: 3000
// expect-detail-contains: uncaught exception: sssss
throw 's'.repeat(30e6);
