// expect: RUNTIME_ERROR
// why: throw an object whose name, message and stack getters all throw
//   (the thrown values are themselves objects with throwing getters)
// expect-detail-contains: uncaught exception
function bomb() { return { get message() { throw bomb(); }, toString: function () { throw bomb(); } }; }
throw {
  get name() { throw bomb(); },
  get message() { throw bomb(); },
  get stack() { throw bomb(); },
  get lineNumber() { throw bomb(); }
};
