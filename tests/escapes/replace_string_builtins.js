// expect: OK
// why: sabotage String.prototype (replace, charCodeAt, slice...) and the
//   String constructor, which a string quoting routine might call
// expect-value: ["quote \" backslash \\ newline \n tab \t","\u0001"]
['replace', 'charCodeAt', 'charAt', 'slice', 'substring', 'indexOf', 'split', 'toString', 'valueOf',
 'concat', 'codePointAt', 'normalize'].forEach(function (m) {
  String.prototype[m] = function () { throw new Error(m + ' hijacked'); };
});
String.fromCharCode = null;
String = null;
['quote " backslash \\ newline \n tab \t', '\u0001'];
