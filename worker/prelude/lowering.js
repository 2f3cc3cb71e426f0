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
  // Only to learn where each output line came from (lineMap below).
  sourceMap: true,
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

// Where TypeScript's ES5 output would silently be wrong, the source is
// refused with its position instead (TypeScript itself reports these only
// from its type checker, which transpileModule does not run): `arguments`
// in an arrow function would become the arrow's own, and `super` in an
// object literal's method has no home object in ES5.
var refusals = [];
function refuse(file, node, message) {
  var lc = file.getLineAndCharacterOfPosition(node.getStart(file));
  refusals.push({ message: message, code: 0, line: lc.line + 1, column: lc.character + 1 });
}
function checkUnsupported(context) {
  var K = ts.SyntaxKind;
  return function (file) {
    // arrow: inside an arrow function (and no ordinary function since);
    // literal: inside an object literal's method.
    function visit(node, arrow, literal) {
      switch (node.kind) {
        case K.ArrowFunction:
          arrow = true;
          break;
        case K.MethodDeclaration:
        case K.GetAccessor:
        case K.SetAccessor:
          arrow = false;
          literal = node.parent && node.parent.kind === K.ObjectLiteralExpression;
          break;
        case K.FunctionDeclaration:
        case K.FunctionExpression:
        case K.Constructor:
        case K.ClassStaticBlockDeclaration:
        case K.PropertyDeclaration:
          arrow = false;
          literal = false;
          break;
        case K.Identifier:
          if (arrow && ts.idText(node) === 'arguments') {
            refuse(file, node, "'arguments' inside an arrow function cannot be lowered to ES5 " +
                   '(it would name the arrow\'s own arguments): use a rest parameter (...args)');
          }
          return;
        case K.SuperKeyword:
          if (literal) {
            refuse(file, node, "'super' in an object literal's method cannot be lowered to ES5: " +
                   'call the prototype\'s method directly (Object.getPrototypeOf(obj).method.call(this))');
          }
          return;
        case K.PropertyAccessExpression:  // obj.arguments is a property
          visit(node.expression, arrow, literal);
          return;
        case K.PropertyAssignment:  // so is { arguments: 1 }
          if (node.name.kind === K.ComputedPropertyName) visit(node.name, arrow, literal);
          visit(node.initializer, arrow, literal);
          return;
      }
      ts.forEachChild(node, function (c) { visit(c, arrow, literal); });
    }
    visit(file, false, false);
    return file;
  };
}

// TypeScript lowers a read of `super.x` to `_super.prototype.x`, which runs
// a getter x with the prototype as `this` (so `get x() { return super.x + 1 }`
// reads the wrong object). Reads that are not calls become
// Reflect.get(parent, key, this), as ES2015 defines them; calls
// (super.m()) TypeScript already lowers right.
// Per lowering (lower() resets it): a count kept across lowerings would
// tell one tenant how many classes the compiler lowered for others.
var anonymousClasses = 0;
var currentFile = null;
function superProperties(context) {
  var f = context.factory;
  var K = ts.SyntaxKind;
  function isSuperAccess(node) {
    return (node.kind === K.PropertyAccessExpression || node.kind === K.ElementAccessExpression) &&
           node.expression.kind === K.SuperKeyword;
  }
  function usesSuperRead(node) {
    var found = false;
    (function walk(n) {
      if (found) return;
      if (isSuperAccess(n)) { found = true; return; }
      ts.forEachChild(n, walk);
    })(node);
    return found;
  }
  // home: the expression whose prototype is `super` here, or null.
  function visit(node, home) {
    if (node.kind === K.ClassDeclaration || node.kind === K.ClassExpression) return visitClass(node);
    if (node.kind === K.FunctionDeclaration || node.kind === K.FunctionExpression ||
        node.kind === K.ObjectLiteralExpression) {
      home = null;
    }
    if (home !== null) {
      if (node.kind === K.CallExpression && isSuperAccess(node.expression)) {
        return f.updateCallExpression(node, node.expression, node.typeArguments,
                                      ts.visitNodes(node.arguments, function (c) { return visit(c, home); }));
      }
      // TypeScript writes these to the parent's prototype, which every
      // other instance shares: refused.
      if ((ts.isAssignmentExpression(node) && isSuperAccess(node.left)) ||
          ((node.kind === K.PrefixUnaryExpression || node.kind === K.PostfixUnaryExpression) &&
           isSuperAccess(node.operand))) {
        refuse(currentFile, node, "assigning to a property of 'super' cannot be lowered to ES5 " +
               '(it would change the parent class for every instance): assign to this.x instead');
        return node;
      }
      if (isSuperAccess(node)) {
        var key = node.kind === K.PropertyAccessExpression ? f.createStringLiteral(ts.idText(node.name))
                                                            : visit(node.argumentExpression, home);
        var parent = f.createCallExpression(
            f.createPropertyAccessExpression(f.createIdentifier('Object'), 'getPrototypeOf'), undefined, [home]);
        return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier('Reflect'), 'get'),
                                      undefined, [parent, key, f.createThis()]);
      }
    }
    return ts.visitEachChild(node, function (c) { return visit(c, home); }, context);
  }
  function visitClass(node) {
    if (!node.heritageClauses || !usesSuperRead(node)) {
      return ts.visitEachChild(node, function (c) { return visit(c, null); }, context);
    }
    // An anonymous class gets a name to refer to itself by (its ES5 form
    // is a named function anyway; a generated unique name would not do, as
    // TypeScript's class transform generates its own for the function).
    var name = node.name || f.createIdentifier('__stockade_class_' + (++anonymousClasses));
    var members = ts.visitNodes(node.members, function (m) {
      var isStatic = m.kind === K.ClassStaticBlockDeclaration ||
                     (ts.getEffectiveModifierFlags(m) & ts.ModifierFlags.Static) !== 0;
      var home = isStatic ? name : f.createPropertyAccessExpression(name, 'prototype');
      return visit(m, home);
    });
    var heritage = ts.visitNodes(node.heritageClauses, function (c) { return visit(c, null); });
    return node.kind === K.ClassDeclaration
        ? f.updateClassDeclaration(node, node.decorators, node.modifiers, node.name, node.typeParameters, heritage, members)
        : f.updateClassExpression(node, node.decorators, node.modifiers, name, node.typeParameters, heritage, members);
  }
  return function (file) {
    currentFile = file;
    return ts.visitNode(file, function (n) { return visit(n, null); });
  };
}

// The top level runs inside a function, as agents' scripts expect it to
// behave and as fast as they expect it to run: in global code every
// variable is a property lookup on the global object (a loop at top level
// ran 12 times slower than inside a function); in a function, Duktape keeps
// locals in registers. What the wrapper must keep of global code:
// - the completion value: expression statements outside functions also
//   assign a local the wrapper returns (if, loops, switch and try first
//   reset it, as their completion is undefined when nothing produced one),
//   from the last top-level expression statement on;
// - `this`: the wrapper is called with the top level's own;
// - declarations stay global (REPL semantics, which sessions build on):
//   every top-level var, let, const, function, class, enum and namespace
//   becomes an accessor on the run's global object over the local, declared
//   before the first statement runs, so globalThis.x, another script and a
//   session's capture all see the local's current value.
// Top-level await makes the wrapper async (the run then settles its
// promise). Code that names `arguments` or `eval` outside a function, or
// declares undefined, NaN or Infinity, keeps global code, since a function
// would change what those mean.
var functionLike = {};
[ts.SyntaxKind.FunctionDeclaration, ts.SyntaxKind.FunctionExpression, ts.SyntaxKind.ArrowFunction,
 ts.SyntaxKind.MethodDeclaration, ts.SyntaxKind.Constructor, ts.SyntaxKind.GetAccessor,
 ts.SyntaxKind.SetAccessor, ts.SyntaxKind.ClassStaticBlockDeclaration].forEach(function (k) { functionLike[k] = true; });

function hasModifier(node, kind) {
  var mods = node.modifiers;
  if (!mods) return false;
  for (var i = 0; i < mods.length; i++) if (mods[i].kind === kind) return true;
  return false;
}

// What the top level holds: await outside functions, names that keep it
// global code, and its declarations.
function scanTopLevel(statements, text) {
  var found = { await: false, keepGlobal: false, names: [], seen: {}, topReturn: null };
  // kind: 'var' (a global of that name keeps its value, as `var x` in
  // global code keeps it), 'const', or 'let' (everything else).
  function declare(name, kind) {
    if (name.kind !== ts.SyntaxKind.Identifier) {
      name.elements.forEach(function (e) { if (e.kind !== ts.SyntaxKind.OmittedExpression) declare(e.name, kind); });
      return;
    }
    var text = ts.idText(name);
    // A local of these names would shadow what global code cannot change.
    if (text === 'undefined' || text === 'NaN' || text === 'Infinity') found.keepGlobal = true;
    if (found.seen.hasOwnProperty(text)) return;
    found.seen[text] = true;
    found.names.push({ text: text, constant: kind === 'const', keepGlobal: kind === 'var' });
  }
  function declareList(list, topLevel) {
    var flags = list.flags;
    var blockScoped = (flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) !== 0;
    if (blockScoped && !topLevel) return;
    var kind = (flags & ts.NodeFlags.Const) ? 'const' : (flags & ts.NodeFlags.Let) ? 'let' : 'var';
    list.declarations.forEach(function (d) { declare(d.name, kind); });
  }
  // var declarations anywhere outside functions are the top level's.
  function statement(node, topLevel) {
    if (!node) return;
    switch (node.kind) {
      case ts.SyntaxKind.ReturnStatement:
        if (!found.topReturn) found.topReturn = node;
        return;
      case ts.SyntaxKind.VariableStatement:
        if (!hasModifier(node, ts.SyntaxKind.DeclareKeyword)) declareList(node.declarationList, topLevel);
        return;
      case ts.SyntaxKind.FunctionDeclaration:
      case ts.SyntaxKind.ClassDeclaration:
      case ts.SyntaxKind.EnumDeclaration:
      case ts.SyntaxKind.ModuleDeclaration:
        if (topLevel && node.name && node.name.kind === ts.SyntaxKind.Identifier &&
            !hasModifier(node, ts.SyntaxKind.DeclareKeyword) && (node.body || node.kind !== ts.SyntaxKind.FunctionDeclaration)) {
          declare(node.name, 'let');
        }
        return;
      case ts.SyntaxKind.Block: node.statements.forEach(function (s) { statement(s, false); }); return;
      case ts.SyntaxKind.IfStatement: statement(node.thenStatement, false); statement(node.elseStatement, false); return;
      case ts.SyntaxKind.ForStatement:
        if (node.initializer && node.initializer.kind === ts.SyntaxKind.VariableDeclarationList) declareList(node.initializer, false);
        statement(node.statement, false);
        return;
      case ts.SyntaxKind.ForInStatement:
      case ts.SyntaxKind.ForOfStatement:
        if (node.initializer.kind === ts.SyntaxKind.VariableDeclarationList) declareList(node.initializer, false);
        statement(node.statement, false);
        return;
      case ts.SyntaxKind.WhileStatement:
      case ts.SyntaxKind.DoStatement:
      case ts.SyntaxKind.LabeledStatement:
        statement(node.statement, false);
        return;
      case ts.SyntaxKind.TryStatement:
        statement(node.tryBlock, false);
        if (node.catchClause) statement(node.catchClause.block, false);
        statement(node.finallyBlock, false);
        return;
      case ts.SyntaxKind.SwitchStatement:
        node.caseBlock.clauses.forEach(function (c) { c.statements.forEach(function (s) { statement(s, false); }); });
        return;
    }
  }
  // insideArrow: in an arrow function, which sees the top level's
  // arguments but may not await it.
  function expressions(node, insideArrow) {
    if (functionLike[node.kind]) {
      if (node.kind === ts.SyntaxKind.ArrowFunction) ts.forEachChild(node, function (c) { expressions(c, true); });
      return;
    }
    if (!insideArrow && (node.kind === ts.SyntaxKind.AwaitExpression ||
        (node.kind === ts.SyntaxKind.ForOfStatement && node.awaitModifier))) {
      found.await = true;
    }
    if (node.kind === ts.SyntaxKind.Identifier) {
      var text = ts.idText(node);
      if (text === 'arguments' || text === 'eval') found.keepGlobal = true;
      return;
    }
    // obj.eval, { eval: 1 } and class fields named eval are not eval.
    if (node.kind === ts.SyntaxKind.PropertyAccessExpression) {
      expressions(node.expression, insideArrow);
      return;
    }
    if (node.kind === ts.SyntaxKind.PropertyAssignment || node.kind === ts.SyntaxKind.PropertyDeclaration) {
      if (node.name.kind === ts.SyntaxKind.ComputedPropertyName) expressions(node.name, insideArrow);
      if (node.initializer) expressions(node.initializer, insideArrow);
      return;
    }
    ts.forEachChild(node, function (c) { expressions(c, insideArrow); });
  }
  // The expression walk looks for three words only: without them in the
  // text there is nothing for it to find.
  var words = /\b(await|eval|arguments)\b/.test(text);
  statements.forEach(function (s) {
    statement(s, true);
    if (words) expressions(s, false);
  });
  return found;
}

// Stockade runs a script, not a module: what only TypeScript's types need
// (import type, export type, and `export {}`, the idiom that allows
// top-level await in a .ts file) goes; any other import or export is
// refused at its line.
function moduleSyntaxRemoved(file) {
  var K = ts.SyntaxKind;
  return file.statements.filter(function (st) {
    if (st.kind === K.ImportDeclaration) {
      if (st.importClause && st.importClause.isTypeOnly) return false;
    } else if (st.kind === K.ExportDeclaration) {
      if (st.isTypeOnly) return false;
      if (!st.moduleSpecifier && st.exportClause && st.exportClause.kind === K.NamedExports &&
          st.exportClause.elements.length === 0) {
        return false;
      }
    } else if (st.kind === K.ImportEqualsDeclaration || st.kind === K.ExportAssignment) {
      if (st.isTypeOnly) return false;
    } else if (st.kind === K.InterfaceDeclaration || st.kind === K.TypeAliasDeclaration) {
      return true;
    } else if (!hasModifier(st, K.ExportKeyword)) {
      return true;
    }
    refuse(file, st, "import and export are for modules, and Stockade runs a script: " +
           'declare what you need at top level (only type imports and `export {}` are allowed)');
    return false;
  });
}

// What is left is a script: without this, TypeScript still marks the
// output as a module (`exports.__esModule`) for the syntax removed above.
function asScript(file) {
  file.externalModuleIndicator = undefined;
  file.commonJsModuleIndicator = undefined;
  return file;
}

// A session keeps top-level functions and classes by their source
// (worker/function_sources.h): the wrapper registers, with
// __stockade_sources, the function each declaration made and the ES5 text
// that made it. Function declarations are registered at the top (they are
// hoisted), a class or `const f = () => ...` right after its statement;
// TypeScript's helpers (global code before the wrapper) first. The text
// is known only once TypeScript has printed the output: each declaration
// is marked with comments and its registration holds placeholders, which
// fillSources replaces with string literals on the same line (lines do not
// move). Per lowering, reset by lower().
var registrations = [];  // { name, hoisted }
var topLevelNames = {};   // name -> true

function registrable(node, K) {
  if (hasModifier(node, K.DeclareKeyword)) return null;
  if (node.kind === K.FunctionDeclaration) {
    return node.body && node.name && node.name.kind === K.Identifier ? { name: ts.idText(node.name), hoisted: true } : null;
  }
  if (node.kind === K.ClassDeclaration) {
    return node.name ? { name: ts.idText(node.name), hoisted: false } : null;
  }
  // One declarator only: running the statement again must make nothing but
  // the function (`const a = compute(), f = ...` would compute again).
  if (node.kind === K.VariableStatement && node.declarationList.declarations.length === 1) {
    var d = node.declarationList.declarations[0];
    var init = d.initializer;
    if (d.name.kind === K.Identifier && init &&
        (init.kind === K.FunctionExpression || init.kind === K.ArrowFunction || init.kind === K.ClassExpression)) {
      return { name: ts.idText(d.name), hoisted: false };
    }
  }
  return null;
}

function registration(f, list) {
  return f.createExpressionStatement(f.createCallExpression(f.createIdentifier('__stockade_sources'), undefined, list));
}

function registrationEntry(f, k, name) {
  return [f.createStringLiteral('l'), f.createStringLiteral(name), f.createIdentifier(name),
          f.createStringLiteral('__stockade_source_' + k), f.createStringLiteral('__stockade_prologue_' + k)];
}

// The ES5 text of each marked declaration into its registration, and
// TypeScript's helpers into theirs. A declaration whose text cannot be
// found registers null (its function is dropped and named).
function fillSources(output, topLevelNames) {
  if (registrations.length === 0 && output.indexOf('"__stockade_helpers"') < 0) return output;
  function literal(text) {
    return text === null ? 'null' : JSON.stringify(text).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  }
  var top = output.indexOf('/* __stockade_top_level */');
  var declareAt = top < 0 ? -1 : output.indexOf('__stockade_declare(', top);
  // The helpers: `var __name = ...;` statements before the wrapper.
  var helpers = [];
  if (top >= 0) {
    var head = output.slice(0, top);
    var starts = [];
    var helperStart = /^var (__\w+) = /gm;
    var match;
    while ((match = helperStart.exec(head)) !== null) starts.push({ at: match.index, name: match[1] });
    for (var h = 0; h < starts.length; h++) {
      var text = head.slice(starts[h].at, h + 1 < starts.length ? starts[h + 1].at : head.length).trim();
      helpers.push('"h", ' + literal(starts[h].name) + ', ' + starts[h].name + ', ' + literal(text) + ', ""');
    }
  }
  // What the wrapper declares before the first statement that is not a
  // top-level name: TypeScript's temporaries (_this, _a), which a
  // declaration's text may use. Its source gets them declared again in
  // front (_this is the global object, as the wrapper's `this`).
  var region = declareAt >= 0 ? output.slice(top, declareAt) : '';
  var strict = /^[^{]*\{\s*["']use strict["']/.test(region);
  var temps = [];
  var varStatement = /\bvar\s+([^;]+);/g;
  while ((match = varStatement.exec(region)) !== null) {
    match[1].split(',').forEach(function (part) {
      var id = /^\s*([\w$]+)/.exec(part);
      if (id && !hasOwnProperty.call(topLevelNames, id[1]) && temps.indexOf(id[1]) < 0) temps.push(id[1]);
    });
  }
  var marker = /\/\*__stockade_(begin|end)_\d+\*\/ ?/g;
  var replacements = { '"__stockade_helpers"': '[' + helpers.join(', ') + ']' };
  registrations.forEach(function (r, k) {
    var begin = '/*__stockade_begin_' + k + '*/';
    var end = '/*__stockade_end_' + k + '*/';
    var from = output.indexOf(begin);
    var to = output.lastIndexOf(end);
    var source = from >= 0 && to > from && declareAt >= 0 ? output.slice(from + begin.length, to).replace(marker, '').trim() : null;
    if (source === '') source = null;
    var prologue = strict ? '"use strict";\n' : '';
    if (source !== null) {
      temps.forEach(function (t) {
        if (!new RegExp('(^|[^\\w$])' + t.replace(/\$/g, '\\$') + '($|[^\\w$])').test(source)) return;
        prologue += t === '_this' ? 'var _this = this;\n' : 'var ' + t + ';\n';
      });
    }
    replacements['"__stockade_source_' + k + '"'] = literal(source);
    replacements['"__stockade_prologue_' + k + '"'] = literal(prologue);
  });
  output = output.replace(marker, '');
  return output.replace(/"__stockade_(helpers|source_\d+|prologue_\d+)"/g, function (placeholder) {
    return hasOwnProperty.call(replacements, placeholder) ? replacements[placeholder] : placeholder;
  });
}
var hasOwnProperty = Object.prototype.hasOwnProperty;

// After TypeScript's transforms: a class or `const f = ...` statement is
// marked here, as the statement just before its registration. (Marks put
// on it before do not survive the generator transform of an async top
// level, which makes `C = ...` of `var C = ...`.) Only the wrapper's
// statements are looked at: its body, and in an async one the bodies
// __awaiter and __generator are given and the generator's case clauses.
function markRegistered(context) {
  var K = ts.SyntaxKind;
  function registrationIndex(st) {
    if (st.kind !== K.ExpressionStatement || st.expression.kind !== K.CallExpression) return -1;
    var call = st.expression;
    if (call.expression.kind !== K.Identifier || ts.idText(call.expression) !== '__stockade_sources') return -1;
    var list = call.arguments[0];
    if (!list || list.kind !== K.ArrayLiteralExpression || list.elements.length !== 5) return -1;
    var text = list.elements[3];
    var k = text.kind === K.StringLiteral ? /^__stockade_source_(\d+)$/.exec(text.text) : null;
    return k ? Number(k[1]) : -1;
  }
  function statements(list) {
    list.forEach(function (st, i) {
      var k = registrationIndex(st);
      // (A class leaves a statement that only carries its comments.)
      var j = i - 1;
      while (j >= 0 && (list[j].kind === K.NotEmittedStatement || list[j].kind === K.EndOfDeclarationMarker)) j--;
      if (k >= 0 && j >= 0 && registrations[k] && !registrations[k].hoisted) {
        ts.addSyntheticLeadingComment(list[j], K.MultiLineCommentTrivia, '__stockade_begin_' + k, false);
        ts.addSyntheticTrailingComment(list[j], K.MultiLineCommentTrivia, '__stockade_end_' + k, false);
      }
      if (st.kind === K.ReturnStatement && st.expression && st.expression.kind === K.CallExpression) {
        var args = st.expression.arguments;
        var last = args[args.length - 1];
        if (last && last.kind === K.FunctionExpression) statements(last.body.statements);
      } else if (st.kind === K.SwitchStatement) {
        st.caseBlock.clauses.forEach(function (c) { statements(c.statements); });
      }
    });
  }
  return function (file) {
    if (registrations.length === 0) return file;
    var wrapper = file.statements[file.statements.length - 1];
    var call = wrapper && wrapper.kind === K.ExpressionStatement ? wrapper.expression : null;
    var callee = call && call.kind === K.CallExpression ? call.expression : null;
    var target = callee && callee.kind === K.PropertyAccessExpression ? callee.expression : null;
    if (target && target.kind === K.ParenthesizedExpression) target = target.expression;
    if (target && target.kind === K.FunctionExpression) statements(target.body.statements);
    return file;
  };
}

function wrapTopLevel(context) {
  var f = context.factory;
  var K = ts.SyntaxKind;
  return function (file) {
    var statements = moduleSyntaxRemoved(file);
    var found = scanTopLevel(statements, file.text);
    if (found.topReturn) {
      refuse(file, found.topReturn, "a 'return' statement can only be used within a function body");
      return file;
    }
    if (statements.length === 0 || (found.keepGlobal && !found.await)) return asScript(f.updateSourceFile(file, statements));
    var completion = f.createUniqueName('completion');
    function setCompletion(expression) {
      return f.createExpressionStatement(f.createAssignment(completion, expression));
    }
    function resetFirst(node) { return f.createBlock([setCompletion(f.createVoidZero()), node], false); }
    // Expression statements outside functions also set the completion.
    function rewrite(node) {
      if (!node) return node;
      switch (node.kind) {
        case K.ExpressionStatement:
          return f.updateExpressionStatement(node, f.createAssignment(completion, node.expression));
        case K.Block:
          return f.updateBlock(node, node.statements.map(rewrite));
        case K.IfStatement:
          return resetFirst(f.updateIfStatement(node, node.expression, rewrite(node.thenStatement), rewrite(node.elseStatement)));
        case K.ForStatement:
          return resetFirst(f.updateForStatement(node, node.initializer, node.condition, node.incrementor, rewrite(node.statement)));
        case K.ForInStatement:
          return resetFirst(f.updateForInStatement(node, node.initializer, node.expression, rewrite(node.statement)));
        case K.ForOfStatement:
          return resetFirst(f.updateForOfStatement(node, node.awaitModifier, node.initializer, node.expression, rewrite(node.statement)));
        case K.WhileStatement:
          return resetFirst(f.updateWhileStatement(node, node.expression, rewrite(node.statement)));
        case K.DoStatement:
          return resetFirst(f.updateDoStatement(node, rewrite(node.statement), node.expression));
        case K.LabeledStatement:
          return f.updateLabeledStatement(node, node.label, rewrite(node.statement));
        case K.TryStatement:
          return resetFirst(f.updateTryStatement(node, rewrite(node.tryBlock),
              node.catchClause && f.updateCatchClause(node.catchClause, node.catchClause.variableDeclaration, rewrite(node.catchClause.block)),
              node.finallyBlock));
        case K.SwitchStatement:
          return resetFirst(f.updateSwitchStatement(node, node.expression, f.updateCaseBlock(node.caseBlock,
              node.caseBlock.clauses.map(function (c) {
                return c.kind === K.CaseClause ? f.updateCaseClause(c, c.expression, c.statements.map(rewrite))
                                               : f.updateDefaultClause(c, c.statements.map(rewrite));
              }))));
      }
      return node;
    }
    var body = [];
    var i = 0;
    while (i < statements.length && ts.isPrologueDirective(statements[i])) body.push(statements[i++]);
    body.push(f.createVariableStatement(undefined, [f.createVariableDeclaration(completion)]));
    if (found.names.length > 0) {
      var list = [];
      found.names.forEach(function (n) {
        var id = f.createIdentifier(n.text);
        var value = f.createUniqueName('value');
        list.push(f.createStringLiteral(n.text),
                  f.createFunctionExpression(undefined, undefined, undefined, undefined, [], undefined,
                                             f.createBlock([f.createReturnStatement(id)])),
                  n.constant ? f.createNull() :
                  f.createFunctionExpression(undefined, undefined, undefined, undefined,
                                             [f.createParameterDeclaration(undefined, undefined, value)], undefined,
                                             f.createBlock([f.createExpressionStatement(f.createAssignment(f.createIdentifier(n.text), value))])),
                  n.keepGlobal ? f.createTrue() : f.createFalse());
      });
      body.push(f.createExpressionStatement(f.createCallExpression(f.createIdentifier('__stockade_declare'), undefined,
          [f.createThis(), f.createArrayLiteralExpression(list, false)])));
    }
    // Which declarations a session can keep (a source that mentions our
    // placeholders' names keeps none: they would be replaced in it).
    var after = {};  // statement index -> its registration
    found.names.forEach(function (n) { topLevelNames[n.text] = true; });
    var hoisted = [];
    if (found.names.length > 0 && file.text.indexOf('__stockade_') < 0) {
      statements.forEach(function (st, index) {
        var r = registrable(st, K);
        if (r === null) return;
        var k = registrations.length;
        registrations.push(r);
        if (r.hoisted) {
          ts.addSyntheticLeadingComment(st, K.MultiLineCommentTrivia, '__stockade_begin_' + k, false);
          ts.addSyntheticTrailingComment(st, K.MultiLineCommentTrivia, '__stockade_end_' + k, false);
          hoisted.push.apply(hoisted, registrationEntry(f, k, r.name));
        } else {
          after[index] = registration(f, [f.createArrayLiteralExpression(registrationEntry(f, k, r.name), false)]);
        }
      });
    }
    // TypeScript's helpers (`var __read = ...` before the wrapper, so
    // globals) are registered whatever the program declares, first: a
    // session must know them as helpers, not as functions it could not
    // keep, and have them before any declaration that uses them.
    if (file.text.indexOf('__stockade_') < 0) body.push(registration(f, [f.createStringLiteral('__stockade_helpers')]));
    if (hoisted.length > 0) body.push(registration(f, [f.createArrayLiteralExpression(hoisted, false)]));
    // Only what follows the last top-level expression statement can set
    // the completion value: what precedes it runs as written (an
    // assignment in a hot loop costs it a third of its speed).
    var last = statements.length - 1;
    while (last >= i && statements[last].kind !== K.ExpressionStatement) last--;
    for (; i < statements.length; i++) {
      body.push(i >= last ? rewrite(statements[i]) : statements[i]);
      if (after[i] !== undefined) body.push(after[i]);
    }
    body.push(f.createReturnStatement(completion));
    var wrapper = f.createFunctionExpression(found.await ? [f.createModifier(K.AsyncKeyword)] : undefined,
        undefined, undefined, undefined, [], undefined, f.createBlock(body, true));
    var call = f.createCallExpression(f.createPropertyAccessExpression(f.createParenthesizedExpression(wrapper), 'call'),
                                      undefined, [f.createThis()]);
    var statement = f.createExpressionStatement(call);
    // Tells the worker the top level is a function already
    // (worker/top_level.h leaves code that mentions __stockade alone).
    ts.addSyntheticLeadingComment(statement, ts.SyntaxKind.MultiLineCommentTrivia, ' __stockade_top_level ', true);
    return asScript(f.updateSourceFile(file, [statement]));
  };
}

// For each line of the output, the source line it came from (1-based; 0
// for lines of TypeScript's own helpers), from the source map's first
// segment on that line: the host maps runtime errors' lines and stacks
// back to what the user wrote.
var base64 = {};
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach(function (c, i) { base64[c] = i; });
function lineMap(mappings) {
  var lines = [];
  var sourceLine = 0;
  var at = 0;
  var current = -1;  // the output line's first mapped source line
  function vlq() {
    var value = 0, shift = 0, digit;
    do {
      digit = base64[mappings.charAt(at++)];
      value += (digit & 31) << shift;
      shift += 5;
    } while (digit & 32);
    return value & 1 ? -(value >>> 1) : value >>> 1;
  }
  while (at <= mappings.length) {
    var c = mappings.charAt(at);
    if (c === ';' || at === mappings.length) {
      lines.push(current < 0 ? 0 : current + 1);
      current = -1;
      at++;
      continue;
    }
    if (c === ',') { at++; continue; }
    var fields = [vlq()];
    while (at < mappings.length && mappings.charAt(at) !== ',' && mappings.charAt(at) !== ';') fields.push(vlq());
    if (fields.length >= 4) {
      sourceLine += fields[2];
      if (current < 0) current = sourceLine;
    }
  }
  return lines;
}

function position(d) {
  if (!d.file || d.start === undefined) return { line: 0, column: 0 };
  var lc = d.file.getLineAndCharacterOfPosition(d.start);
  return { line: lc.line + 1, column: lc.character + 1 };
}

// Each of these walks the whole syntax tree, which costs milliseconds in
// Duktape: only those the source's text can need run.
function transformersFor(source) {
  // A \u escape can spell any identifier: then every walk runs.
  if (source.indexOf('\\u') >= 0) return [checkUnsupported, rewriteRegExps, superProperties, wrapTopLevel];
  var list = [];
  if (/\b(arguments|super)\b/.test(source)) list.push(checkUnsupported);
  // What a literal Duktape rejects must contain (a false match only costs
  // the walk): a named group or backreference, \u{ or \p{, or a flag
  // other than g, i, m.
  if (/\(\?<|\\k<|\\u\{|\\[pP]\{|\/[a-z]*[suyd]\b/.test(source)) list.push(rewriteRegExps);
  if (/\bsuper\b/.test(source)) list.push(superProperties);
  list.push(wrapTopLevel);
  return list;
}

return function lower(source, language, filename) {
  if (typeof source !== 'string') throw new TypeError('lower: the source must be a string');
  var typescript = language === 'typescript';
  var name = filename || (typescript ? 'script.ts' : 'script.js');
  // The file name decides how TypeScript parses: types are syntax errors in
  // a .js file and fine in a .ts one.
  if (typescript && !/\.(ts|tsx|mts|cts)$/.test(name)) name += '.ts';
  if (!typescript && /\.(ts|tsx|mts|cts)$/.test(name)) name += '.js';
  refusals = [];
  registrations = [];
  topLevelNames = {};
  anonymousClasses = 0;
  var out = ts.transpileModule(source, {
    compilerOptions: options,
    fileName: name,
    reportDiagnostics: true,
    transformers: { before: transformersFor(source), after: [markRegistered] }
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
  if (diagnostics.length === 0) diagnostics = refusals;
  refusals = [];
  var lines = out.sourceMapText ? lineMap(JSON.parse(out.sourceMapText).mappings) : [];
  // The output without the source map comment, which names a file that
  // does not exist.
  var output = fillSources(out.outputText.replace(/\n\/\/# sourceMappingURL=[^\n]*\s*$/, '\n'), topLevelNames);
  registrations = [];
  return { output: output, diagnostics: diagnostics, lines: lines };
};
