// expect: OK
// why: define a fake Duktape object (enc, dec, fin, act...) and a global
//   modSearch, in case the host looks them up by name
// expect-value: {"value":[1,2]}
globalThis.Duktape = {
  enc: function () { throw new Error('enc'); }, dec: function () { throw new Error('dec'); },
  fin: function () { throw new Error('fin'); }, act: function () { throw new Error('act'); },
  errCreate: function (e) { throw new Error('errCreate'); }, errThrow: function (e) { throw e; },
  modSearch: function () { throw new Error('modSearch'); }
};
globalThis.modSearch = Duktape.modSearch;
({ value: [1, 2] });
