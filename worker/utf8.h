// UTF-8 hygiene for every string the worker puts on the wire.
//
// Duktape strings are not always valid UTF-8: characters outside the BMP that
// come from JavaScript are stored as CESU-8 surrogate pairs, and a script can
// build lone surrogates ("\uD800"). protobuf string fields must hold valid
// UTF-8 (the supervisor's parser rejects anything else, which would count as a
// garbage frame and kill the worker), so console text, error reports and the
// JSON result pass through here first. Also the helpers that cut a string at a
// byte budget without splitting a character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stockade::worker {

enum class Utf8Mode {
  // Lone surrogates and invalid bytes become U+FFFD.
  kReplace,
  // For JSON text: lone surrogates become the escape "\udXXX" (they can only
  // occur inside JSON strings, so the JSON stays valid and loses nothing);
  // invalid bytes become U+FFFD.
  kJsonEscape,
};

// True when `s` is well-formed UTF-8 (no surrogates, no overlongs).
bool IsValidUtf8(std::string_view s);

// Appends `in` to *out as well-formed UTF-8; CESU-8 surrogate pairs are
// joined into one 4-byte sequence.
void AppendValidUtf8(std::string_view in, Utf8Mode mode, std::string* out);

// In place: leaves *s untouched when it is already valid (the common case).
void MakeValidUtf8(std::string* s, Utf8Mode mode);

// Length of the longest prefix of valid UTF-8 `s` that is at most `max`
// bytes and ends on a character boundary.
std::size_t Utf8PrefixLength(std::string_view s, std::size_t max);

// Offset where the longest suffix of valid UTF-8 `s` of at most `max` bytes
// starts, on a character boundary.
std::size_t Utf8SuffixStart(std::string_view s, std::size_t max);

}  // namespace stockade::worker
