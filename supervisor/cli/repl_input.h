// Whether what a person typed into `stockade repl` is a whole input yet.
//
// A REPL sends one input per run, and a function definition typed over
// several lines must go as one. This scanner reads the lines so far and
// says whether they end inside an open construct: a bracket, brace or
// parenthesis not yet closed (outside strings, comments, template literals
// and regular expression literals), a template literal or block comment
// not yet closed, a string continued with a backslash, or a trailing
// operator that needs an operand (`a =`, `x +`, `() =>`). Then the REPL
// asks for another line with its `... ` prompt.
//
// It is a convenience for the terminal, not a parser: whether a division
// sign starts a regular expression is decided by the token before it, the
// way most editors guess. Anything it cannot make sense of (a closing
// bracket with nothing open, a newline in a quoted string) counts as
// complete, so the daemon's compiler, which is the judge, reports the
// SYNTAX_ERROR at once instead of the REPL waiting for more.
#pragma once

#include <string_view>

namespace stockade::supervisor {

enum class InputState {
  kComplete,        // send it
  kOpenBracket,     // ( [ { or a template's ${ still open
  kOpenTemplate,    // inside a `template literal`
  kOpenComment,     // inside a /* block comment
  kOpenString,      // a quoted string continued with a backslash at the end of a line
  kTrailingOperator,  // ends in an operator that needs what follows
};

// `source`: the lines typed so far for this input, joined with '\n'.
InputState ScanInput(std::string_view source);

inline bool InputIsComplete(std::string_view source) { return ScanInput(source) == InputState::kComplete; }

}  // namespace stockade::supervisor
