// How the CLI prints: console lines as they stream, then the typed result,
// and which exit code that result means. Shared by `stockade run` (embedded
// supervisor) and `stockade exec` (a daemon over HTTP) so both say the same
// thing in the same words.
#pragma once

#include <string>
#include <string_view>

#include "proto/api.pb.h"

namespace stockade::supervisor {

// write(2) until done (or the fd is gone): no stdio buffering, so console
// lines and the result interleave in the order they happened.
void WriteAll(int fd, std::string_view s);

// One console line to stdout or stderr by its stream.
void PrintConsoleLine(const api::ConsoleLine& line);

// "TypeError: x is not a function (line 3)\n<stack>" or "TIMEOUT: <detail>".
std::string HumanFailure(const api::ExecutionResult& result);

// "[stockade] redacted: $.password, console line 2\n": where, never what.
std::string RedactionNote(const api::Redactions& redactions);

// The result (JSON with --json, else the value or the failure) and the exit
// code for it (policy::ExitCodeFor).
int PrintResult(const api::ExecutionResult& result, bool json);

}  // namespace stockade::supervisor
