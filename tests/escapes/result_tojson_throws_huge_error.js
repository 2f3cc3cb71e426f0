// expect: RUNTIME_ERROR
// why: toJSON throws a 20 MB string, which becomes the error text of the
//   Result; uncapped it made the Result frame too large and killed the worker
// timeout_ms: 3000
// expect-detail-contains: cannot be encoded as JSON
({ toJSON: function () { throw 'e'.repeat(20e6); } });
