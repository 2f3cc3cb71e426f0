// Restoring a session's state natively (issue 13; docs/DESIGN.md, "Session
// state, version 2"): the state's JSON text, versions 1 and 2, defined
// again in a run's fresh global before its code runs.
//
// It used to be JavaScript (JSON.parse of the whole text, then the values
// made from the parsed tree: ~160 ms for 1 MiB). Here the text is parsed
// once into a flat table outside the heap (worker/session_json.h) and the
// values are pushed from it with Duktape's C API: the objects first (empty;
// references may point forward and round), then their contents, then the
// bindings. What only JavaScript can do is left to the prelude's helpers
// (worker/prelude/session_state.js): re-creating kept functions from their
// sources, and core-js's Map and Set entries.
//
// The text is untrusted (a store can be damaged): anything malformed, a
// dangling reference, an unknown kind, fails with a TypeError
// "session state: ..." and the run fails ("the session's state cannot be
// restored"). It runs inside the run's limits: the table counts with the
// live heap against the run's memory cap, the deadline is checked as it
// goes, and the parser's nesting is bounded (a state is never nested more
// than a few levels: objects refer to each other by index).
#pragma once

#include <string_view>

#include "duktape.h"

namespace stockade::worker {

// Defines the state's bindings (and `_`) on env's global. helpers_idx: the
// prelude's session object; registry_idx: the run's function sources
// (worker/function_sources.h), which the re-created functions join. True
// with the stack as it was; false with the error pushed.
bool RestoreSession(duk_context* env, std::string_view text, duk_idx_t helpers_idx, duk_idx_t registry_idx);

}  // namespace stockade::worker
