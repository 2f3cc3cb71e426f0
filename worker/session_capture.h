// Capturing a session's state natively (issue 13; docs/DESIGN.md, "Session
// state, version 2"): what a run leaves in its global, encoded to the
// state's JSON text by walking the values with Duktape's C API, once the
// run has settled.
//
// It used to be JavaScript (worker/prelude/session_state.js), ~550 ms for a
// 1 MiB state: a core-js Map for identity, a path string built for every
// property, the state stringified twice and each variable's objects once
// more to count its bytes. Here identity is the object's heap address (each
// object met is held in an array on the value stack for the whole capture,
// so no address is reused even when a getter drops the last other
// reference), the text is appended to one std::string, and a path is made
// only for what is dropped.
//
// The walk is breadth-first with a queue (no recursion, however deep the
// values nest): an object gets its id when it is first referred to and is
// encoded when its turn comes, so `o` comes out in id order, and each
// variable's objects are encoded before the next variable's (its `bytes`
// are the text it added). Getters run, as a script's own reads would
// (top-level declarations are accessors on the global); whatever they
// throw fails the capture.
//
// Bounds, because a hostile script chooses the values: the state text stops
// at max_state_bytes (kTooLarge: the supervisor answers OUTPUT_LIMIT); the
// text and the tables outside the heap count with the live heap against the
// run's memory cap (kThrew with the allocator tripped: MEMORY_LIMIT); the
// deadline is checked as the walk goes (kThrew with the deadline tripped:
// TIMEOUT).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "duktape.h"

namespace stockade::worker {

// The text a capture produces.
struct CapturedSession {
  std::string state;            // the state's JSON text
  std::string variables_json;   // [{"name","bytes"}]
  std::uint32_t variables = 0;  // entries of variables_json
  std::vector<std::string> dropped;  // paths of what was not kept
};

enum class CaptureOutcome {
  kOk,
  kThrew,     // the error is on top of env's stack (a getter threw, a limit tripped)
  kTooLarge,  // the state passed max_state_bytes; *out is empty
};

// A state is never larger than this, whatever the caller asks.
inline constexpr std::uint64_t kMaxSessionStateBytes = 1ull << 30;

// env's stack: [... last ...], last at last_idx (the run's settled
// completion value; used as `_` when has_last). helpers_idx: the prelude's
// session object (worker/prelude/session_state.js); skip_idx: the object
// whose keys are the names every run's global starts with; registry_idx:
// the run's function sources (worker/function_sources.h) or undefined.
// The stack is as it was on kOk and kTooLarge, with one more value (the
// error) on kThrew.
CaptureOutcome CaptureSession(duk_context* env, duk_idx_t last_idx, bool has_last, duk_idx_t helpers_idx,
                              duk_idx_t skip_idx, duk_idx_t registry_idx, std::uint64_t max_state_bytes,
                              CapturedSession* out);

}  // namespace stockade::worker
