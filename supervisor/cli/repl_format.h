// What `stockade repl` prints about its session, apart from the runs
// themselves (those print as `stockade exec` prints them, output.h):
// .session's summary, .history's table, and the notes after a run that
// say what the session did not keep.
//
// Pure functions of the API's messages, so their wording is tested without
// a daemon. Everything a person typed or a script printed is cut to one
// line before it is shown in a table, and cut on a UTF-8 character
// boundary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proto/api.pb.h"

namespace stockade::supervisor {

// "212 bytes", "10.5 KiB", "3.0 MiB".
std::string HumanBytes(std::uint64_t bytes);

// The first line of `text`, at most `max_chars` characters (UTF-8), with
// "..." when anything was left out; tabs become spaces.
std::string OneLine(std::string_view text, std::size_t max_chars);

// .session: id, times, runs, state size and each variable with its size.
std::string FormatSession(const api::Session& session);

// .history: one line per record — seq, status, the code's first line, the
// value or the error's first line. "no runs yet" when there are none.
std::string FormatHistory(const api::SessionHistory& history);

// After a run in a session: which values were not kept (when the run was
// committed) and, when it was not committed, that the session is as it
// was. Empty when there is nothing to say or no session in the result.
std::string RunNotes(const api::ExecutionResult& result);

}  // namespace stockade::supervisor
