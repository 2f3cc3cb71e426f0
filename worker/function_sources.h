// The source text of a run's top-level functions and classes, so that a
// session can keep them (issue 13; docs/DESIGN.md, "Session state,
// version 2"). Duktape keeps no function's source (toString gives
// "[ecmascript code]"), so each run that is part of a session records,
// while it runs, which function objects its top-level declarations
// created and the text that creates them again.
//
// The record is a registry on the run's global object, under a hidden key
// scripts cannot reach: flat entries [function, name, text or null,
// prologue, kind], where kind is "h" (one of TypeScript's helpers), "l" (a
// lowered declaration) or "e" (an ES5 declaration). It dies with the run's
// global. worker/prelude/session_state.js reads it when it captures (only a
// function that is in it is kept, by identity, never by looking alike) and
// adds to it what it restores.
//
// Two ways in, both through natives every run's global has (template
// bindings, frozen, not enumerable), which do nothing in a run that is not
// part of a session:
// - __stockade_sources(list): lowered programs call it
//   (worker/prelude/lowering.js) at the top of their top-level function,
//   for TypeScript's helpers and the hoisted function declarations, and
//   after each class or `const f = () => ...` statement, with the lowered
//   ES5 text the lowering cut out of its own output.
// - __stockade_hoisted(): ES5 programs (the fast path) have no parser to
//   tell where a declaration's text ends, so FindTopLevelFunctions guesses
//   with a small scanner, and the guess is proven when the function exists
//   (after hoisting, before the first statement: the top-level function's
//   prologue calls it, worker/top_level.h; global code is compiled with the
//   call in front of its first line): the text alone must compile to one
//   whole function whose bytecode dump (with the same filename and line
//   numbers) equals the declared function's. A scanner fooled by a regular
//   expression or a string makes a text that fails this, and the function
//   is registered without text (dropped and named, never wrong code).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "duktape.h"

namespace stockade::worker {

// A top-level `function NAME(...) { ... }` statement as the scanner found
// it: code[begin, end). Only a guess until verified.
struct FunctionCandidate {
  std::string name;
  std::size_t begin = 0;
  std::size_t end = 0;
};

// At most this many candidates per program are looked at.
inline constexpr std::size_t kMaxFunctionCandidates = 256;

// Top-level function declarations of ES5 `code`, in order (strings,
// comments and regular expression literals skipped as well as a scanner
// without a parser can). Empty for code that names __stockade or holds a
// \u escape (which could spell anything).
std::vector<FunctionCandidate> FindTopLevelFunctions(std::string_view code);

// Once per heap, before lockdown: __stockade_sources and
// __stockade_hoisted on the (template) global object.
void InstallFunctionSources(duk_context* ctx);

// For a run that is part of a session, before it runs: gives env's global
// an empty registry. Then, if `code` is ES5 with top-level function
// declarations, leaves them for __stockade_hoisted to verify and register
// (filename: the run's) and returns true: the caller must make sure the
// call happens (the top-level function's prologue does; global code needs
// kHoistedCall in front of its first line). Returns false when there is
// nothing to verify.
bool BeginSessionRun(duk_context* env, std::string_view code, std::string_view filename);

// What global code is compiled with in front of its first line (no line
// break, so lines do not move) when BeginSessionRun returned true.
inline constexpr std::string_view kHoistedCall = "__stockade_hoisted();";

// Pushes the run's registry (undefined outside a session run).
void PushSourceRegistry(duk_context* env);

}  // namespace stockade::worker
