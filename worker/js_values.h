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
// Every helper takes a byte budget for what it copies out of the heap: a
// script value can be as large as the heap (a 90 MB string, a message of a
// thrown error), and copying it whole, then converting it, would multiply
// that outside the interpreter's memory cap, where running out kills the
// worker. JSON encodings stop near their budget inside the encoder
// (json_limits.h).
//
// All functions leave the value stack as they found it. Strings are returned
// as Duktape holds them (possibly CESU-8, possibly cut inside a character);
// callers sanitize with utf8.h.
#pragma once

#include <cstddef>
#include <string>

#include "duktape.h"

namespace stockade::worker {

enum class JsonOutcome {
  kOk,         // *out holds the JSON text (possibly somewhat over max_bytes)
  kUndefined,  // undefined, a function or a symbol: no JSON text
  kError,      // encoding threw (cycle, throwing toJSON/getter...); *out = why
  kTooLarge,   // the text passed max_bytes; *out = its first max_bytes bytes
               // when keep_prefix, else empty
};

// Encodes the value at idx with the pristine internal encoder, stopped once
// its output passes max_bytes. On kError, *out is at most max_bytes.
JsonOutcome SafeJsonEncode(duk_context* ctx, duk_idx_t idx, std::size_t max_bytes,
                           bool keep_prefix, std::string* out);

// String(value) that cannot throw: falls back to Duktape's error text.
// Copies at most max_bytes.
void SafeToString(duk_context* ctx, duk_idx_t idx, std::size_t max_bytes, std::string* out);

// Reads obj[key] at idx under protection. Returns the type of the value read
// (DUK_TYPE_NONE when the read threw). Strings are copied to *str (at most
// max_bytes), numbers to *num; other values are not converted.
duk_int_t SafeGetProp(duk_context* ctx, duk_idx_t idx, const char* key, std::size_t max_bytes,
                      std::string* str, double* num);

// Appends a Node-like rendering of the value at idx: strings raw, numbers
// and booleans as JS prints them, objects and arrays as JSON (falling back to
// String(value) when JSON fails), errors as their stack, functions as
// "[Function: name]", undefined as "undefined". Stops once *out holds limit
// bytes (a huge object shows the start of its JSON).
void AppendConsoleForm(duk_context* ctx, duk_idx_t idx, std::size_t limit, std::string* out);

}  // namespace stockade::worker
