// `stockade run FILE|-`: one script through an embedded supervisor.
//
// Console lines stream to the terminal as the script prints them (stdout
// lines to stdout, stderr lines to stderr); then the result: the JSON value
// on stdout, or the typed error on stderr. --json prints the whole typed
// result instead. The exit code says which outcome class it was
// (policy::ExitCodeFor; 2 for a usage error).
//
// `stockade run A B ...`: several scripts run in order in one session, kept
// in memory for this command: what one leaves at top level (variables,
// functions, classes, `_`) the next one sees, as in a REPL. Each prints as
// a single script does; the first that does not end OK stops the rest and
// gives the exit code.
#pragma once

namespace stockade::supervisor {

int RunCommand(int argc, char** argv);

}  // namespace stockade::supervisor
