// expect: OK
// why: sabotage String.prototype (replace, charCodeAt, slice...; frozen, so
//   nothing changes) and the String binding, which a string quoting routine
//   might call
// expect-value: ["quote \" backslash \\ newline \n tab \t","\u0001"]
['replace', 'charCodeAt', 'charAt', 'slice', 'substring', 'indexOf', 'split', 'toString', 'valueOf',
 'concat', 'codePointAt', 'normalize'].forEach(function (m) {
  try { String.prototype[m] = function () { throw new Error(m + ' hijacked'); }; } catch (e) { }
});
String.fromCharCode = null;
String = null;
['quote " backslash \\ newline \n tab \t', '\u0001'];
