// `stockade exec --url URL FILE|-`: one script through a running daemon.
//
// The remote twin of `stockade run`: same options for limits, same output
// (console lines as the script prints them, stdout lines to stdout and
// stderr lines to stderr, then the value or the typed error) and the same
// exit codes (policy::ExitCodeFor; 2 for a usage error). It submits with
// wait=false and follows GET /v1/executions/{id}/events, which is what
// makes console lines appear while the script runs.
//
// Failures before a run are typed too: an HTTP error carries the daemon's
// ErrorResponse status (401 -> UNAUTHORIZED, 429 -> QUEUE_FULL with the
// retry hint ...), and a daemon that cannot be reached is INTERNAL with the
// URL and the reason. Ctrl-C cancels the execution on the daemon (DELETE)
// and exits with CANCELLED's code; a second Ctrl-C exits at once.
#pragma once

namespace stockade::supervisor {

int ExecCommand(int argc, char** argv);

}  // namespace stockade::supervisor
