// Top-level code in a function scope, for programs Duktape runs as they
// are (the ES5 fast path; lowered programs get the same from
// worker/prelude/lowering.js).
//
// In global code every variable is a property of the global object, looked
// up by name on each use: a loop at top level ran 12 times slower than the
// same loop in a function, whose variables live in registers. So a program
// is run as the body of a function when that keeps what it means:
// - its completion value: the program must end in an expression statement,
//   which becomes the function's return value. Where the last statement
//   starts is found with Duktape's own parser as the judge: the text before
//   it must compile as a program on its own, the rest as one expression,
//   and the rest must follow a semicolon or start with a token that cannot
//   continue the statement before it (so no semicolon insertion differs);
// - its declarations, global as in a REPL: each top-level var and function
//   (the function's variable map, from Duktape's compiler) becomes an
//   accessor on the run's global object over the local, before the first
//   statement runs;
// - `this` (the global object).
// Programs that name eval or arguments (or hold a \u escape, which could
// spell them), start with a directive ("use strict"), declare a name the
// global already has (undefined, console, a session's variable), or have
// neither a loop nor
// a function (nothing to gain) run as global code, as before; so do
// lowered programs (they mention __stockade), whose top level the lowering
// put in a function already. The transformation keeps every
// line where it was, so errors point at the user's lines.
#pragma once

#include <string_view>

#include "duktape.h"

namespace stockade::worker {

// Compiles `code`, which already compiled as a program, as a function
// that runs it with the same meaning. On success pushes [fn arg] and
// returns true: insert the global object between them and call fn with it
// as `this` (duk_pcall_method with one argument); its return value is the
// program's completion value. Otherwise pushes nothing and returns false:
// run the program as global code. The filename is the string at
// `filename_idx`.
bool CompileInFunctionScope(duk_context* ctx, std::string_view code, duk_idx_t filename_idx);

// Whether the first token (after white space and comments) is a string: a
// directive prologue ("use strict") must stay first in its body, so nothing
// may be put in front of it.
bool StartsWithString(std::string_view code);

}  // namespace stockade::worker
