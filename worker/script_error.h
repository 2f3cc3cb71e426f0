// Turning a thrown value into a ScriptError report.
//
// A script can throw anything: an Error, `throw 42`, an object whose name,
// message or stack getters throw or loop, a Proxy. Each property is read on
// its own under protection (js_values.h), so whatever was thrown the report
// is well-formed: name, message, stack and line are filled from what could be
// read, each field is valid UTF-8 and capped in size. Duktape reports no
// columns, so column is 0 (unknown).
#pragma once

#include <cstddef>
#include <string>

#include "api.pb.h"
#include "duktape.h"

namespace stockade::worker {

// Longest name/message/stack kept in a report, bytes.
inline constexpr std::size_t kMaxErrorFieldBytes = 64 * 1024;

// Fills *out from the value at idx (left on the stack). Returns a one-line
// summary ("TypeError: x is not a function") for Result.detail.
std::string ExtractScriptError(duk_context* ctx, duk_idx_t idx, api::ScriptError* out);

}  // namespace stockade::worker
