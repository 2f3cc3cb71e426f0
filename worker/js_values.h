// Reading script values from the host without trusting them.
//
// Any property read, toString() or toJSON() may run script code that throws,
// loops or returns something unexpected. Every helper here runs that code
// inside duk_safe_call, so a hostile value yields a fallback string instead
// of unwinding through the host; the run's deadline stays armed, so a loop in
// a getter still ends in TIMEOUT. JSON goes through the C API
// duk_json_encode, i.e. Duktape's internal encoder, which a script cannot
// replace (overwriting the global JSON changes nothing here).
//
// All functions leave the value stack as they found it. Strings are returned
// as Duktape holds them (possibly CESU-8); callers sanitize with utf8.h.
#pragma once

#include <string>

#include "duktape.h"

namespace stockade::worker {

enum class JsonOutcome {
  kOk,         // *out holds the JSON text
  kUndefined,  // undefined, a function or a symbol: no JSON text
  kError,      // encoding threw (cycle, throwing toJSON/getter...); *out = why
};

// Encodes the value at idx with the pristine internal encoder.
JsonOutcome SafeJsonEncode(duk_context* ctx, duk_idx_t idx, std::string* out);

// String(value) that cannot throw: falls back to Duktape's error text.
void SafeToString(duk_context* ctx, duk_idx_t idx, std::string* out);

// Reads obj[key] at idx under protection. Returns the type of the value read
// (DUK_TYPE_NONE when the read threw). Strings are copied to *str, numbers to
// *num; other values are not converted.
duk_int_t SafeGetProp(duk_context* ctx, duk_idx_t idx, const char* key, std::string* str,
                      double* num);

// Appends a Node-like rendering of the value at idx: strings raw, numbers
// and booleans as JS prints them, objects and arrays as JSON (falling back to
// String(value) when JSON fails), errors as their stack, functions as
// "[Function: name]", undefined as "undefined".
void AppendConsoleForm(duk_context* ctx, duk_idx_t idx, std::string* out);

}  // namespace stockade::worker
