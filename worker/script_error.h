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
#include <string_view>

#include "api.pb.h"
#include "duktape.h"

namespace stockade::worker {

// Longest name/message/stack kept in a report, bytes.
inline constexpr std::size_t kMaxErrorFieldBytes = 64 * 1024;
// How much of a script string is copied out of the heap for one field.
// Making it valid UTF-8 can shrink it by a third (a CESU-8 surrogate pair,
// 6 bytes, becomes 4), so twice the field size still fills the field, and a
// character cut at the end of the copy lies past the field's end.
inline constexpr std::size_t kErrorCopyBytes = 2 * kMaxErrorFieldBytes + 16;

// `raw` (a script string, possibly CESU-8 or cut) as valid UTF-8 of at most
// kMaxErrorFieldBytes, cut on a character boundary.
std::string ErrorFieldText(std::string_view raw);

// Fills *out from the value at idx (left on the stack). Returns a one-line
// summary ("TypeError: x is not a function") for Result.detail.
std::string ExtractScriptError(duk_context* ctx, duk_idx_t idx, api::ScriptError* out);

}  // namespace stockade::worker
