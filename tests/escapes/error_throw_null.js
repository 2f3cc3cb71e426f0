// expect: RUNTIME_ERROR
// why: throw null: no properties to read at all
// expect-detail-contains: null
throw null;
