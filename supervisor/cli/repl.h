// `stockade repl [--session ID] [--url URL]`: a person's terminal on a
// session of a running daemon (SPEC §3).
//
// Each input runs as one script in the session: top-level declarations
// persist between inputs, `_` is the last value, and a failed run leaves
// the session as it was. Without --session a new session is made and its
// id printed, so it can be attached to again later (from another terminal
// too; the daemon runs one input at a time per session).
//
// An input may span lines: one that ends inside brackets, a template
// literal, a comment or after an operator continues with a `... ` prompt
// (repl_input.h guesses; the daemon's SYNTAX_ERROR judges). Lines starting
// with a dot and a name are the REPL's own commands (repl_commands.h).
// Each run prints what `stockade exec` prints — console lines as they come,
// then the value or the typed error — and notes what the session did not
// keep (repl_format.h).
//
// Ctrl-C at the prompt drops the line; during a run it cancels the run on
// the daemon (a second one leaves at once). Ctrl-D or .exit leaves. With
// stdin not a terminal the REPL reads lines plainly (no prompts; --echo
// prints them) so pipes and tests see deterministic output.
//
// Exit code: 0 when it ends normally whatever the runs did; before the
// first prompt, a failure exits like `stockade exec` (13 for a daemon that
// cannot be reached, 12 without a valid key, 11 for a session that does
// not exist; 2 for a usage error).
#pragma once

namespace stockade::supervisor {

int ReplCommand(int argc, char** argv);

}  // namespace stockade::supervisor
