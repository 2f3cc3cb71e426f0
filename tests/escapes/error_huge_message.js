// expect: RUNTIME_ERROR
// why: an Error with a 20 MB message (and so a 20 MB stack): copying it whole
//   for the report used to exhaust the worker's memory outside the heap
// timeout_ms: 3000
// expect-error-name: Error
// expect-error-message-contains: mmmmmmmm
throw new Error('m'.repeat(20e6));
