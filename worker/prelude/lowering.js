// Lowering, in a compiler worker: TypeScript's own emitter turns what
// agents write (ES2015+ syntax, TypeScript) into the ES5 Duktape runs.
//
// Compiled by the build as `function (host) { ... }` and called once per
// compiler worker with host = the `ts` namespace (TypeScript 4.8, loaded
// from its bytecode after lockdown, so it is not frozen). Returns
// lower(source, language, filename) -> { output, diagnostics }, which the
// worker gives each compiler run as the global __stockade_lower. The
// supervisor sends the untrusted source only as a JSON string literal in a
// call to it: the source is parsed here, inside the sandbox, never by the
// supervisor.
var ts = host;
var options = {
  target: ts.ScriptTarget.ES5,
  module: ts.ModuleKind.None,
  // for-of, spread and destructuring over any iterable (Map, Set,
  // generators), not only arrays.
  downlevelIteration: true,
  // Class fields become constructor assignments, as TypeScript users
  // expect, rather than defineProperty calls.
  useDefineForClassFields: false,
  newLine: ts.NewLineKind.LineFeed,
  removeComments: false,
  sourceMap: false,
  inlineSourceMap: false
};

// Regular expression literals Duktape's parser rejects (named groups and
// backreferences, lookbehind, \u{...} and \p{...}, flags other than g, i,
// m) become `new RegExp(pattern, flags)`: TypeScript keeps literals as
// they are, so without this the whole program would fail to compile. As a
// constructor call, core-js's RegExp handles named groups and the s and y
// flags, and what it cannot handle fails at that line only, when it runs.
var plainFlags = /^[gim]*$/;
var duktapeRejects = /\(\?<|\\k<|\\u\{|\\[pP]\{/;
function rewriteRegExps(context) {
  var f = context.factory;
  function visit(node) {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      var text = node.text;
      var slash = text.lastIndexOf('/');
      var pattern = text.slice(1, slash);
      var flags = text.slice(slash + 1);
      if (!plainFlags.test(flags) || duktapeRejects.test(pattern)) {
        var args = [f.createStringLiteral(pattern)];
        if (flags) args.push(f.createStringLiteral(flags));
        return f.createNewExpression(f.createIdentifier('RegExp'), undefined, args);
      }
      return node;
    }
    return ts.visitEachChild(node, visit, context);
  }
  return function (file) { return ts.visitNode(file, visit); };
}

function position(d) {
  if (!d.file || d.start === undefined) return { line: 0, column: 0 };
  var lc = d.file.getLineAndCharacterOfPosition(d.start);
  return { line: lc.line + 1, column: lc.character + 1 };
}

return function lower(source, language, filename) {
  if (typeof source !== 'string') throw new TypeError('lower: the source must be a string');
  var typescript = language === 'typescript';
  var name = filename || (typescript ? 'script.ts' : 'script.js');
  // The file name decides how TypeScript parses: types are syntax errors in
  // a .js file and fine in a .ts one.
  if (typescript && !/\.(ts|tsx|mts|cts)$/.test(name)) name += '.ts';
  if (!typescript && /\.(ts|tsx|mts|cts)$/.test(name)) name += '.js';
  var out = ts.transpileModule(source, {
    compilerOptions: options,
    fileName: name,
    reportDiagnostics: true,
    transformers: { before: [rewriteRegExps] }
  });
  var diagnostics = [];
  var list = out.diagnostics || [];
  for (var i = 0; i < list.length; i++) {
    // Only the source's own (syntax) errors: transpileModule also reports
    // that isolatedModules wants a module kind, which says nothing about the
    // script.
    if (!list[i].file) continue;
    var at = position(list[i]);
    diagnostics.push({
      message: ts.flattenDiagnosticMessageText(list[i].messageText, '\n'),
      code: list[i].code,
      line: at.line,
      column: at.column
    });
  }
  return { output: out.outputText, diagnostics: diagnostics };
};
