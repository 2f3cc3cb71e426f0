// expect: RUNTIME_ERROR
// why: throw undefined
// expect-detail-contains: undefined
throw undefined;
