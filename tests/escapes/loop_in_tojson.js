// expect: TIMEOUT
// why: an infinite loop in toJSON, called by the worker's result encoder
// timeout_ms: 300
({ nested: [1, 2, { toJSON: function () { while (true) {} } }] });
