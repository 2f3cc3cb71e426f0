// JSON text for a session's state (worker/session_capture.h,
// worker/session_restore.h): strings as Duktape holds them (CESU-8) to and
// from valid UTF-8 JSON, and numbers.
#pragma once

#include <cstddef>
#include <string>

namespace stockade::worker {

// Appends the JSON string literal of a Duktape string's bytes (CESU-8:
// surrogate pairs become one UTF-8 character, a lone surrogate the escape
// \udXXX, bytes that are not UTF-8 U+FFFD), so the text is valid UTF-8 and
// the decoder gets the very string back.
void AppendDukJsonString(const char* p, std::size_t n, std::string* out);

// Appends a finite number as JSON (the shortest text that reads back as the
// same double; integers without a fraction or exponent).
void AppendJsonNumber(double d, std::string* out);

}  // namespace stockade::worker

#include <cstdint>
#include <string_view>
#include <vector>

namespace stockade::worker {

// A parsed JSON text, flat: nodes in document order, a container's children
// right after it (an object's alternate key, value), each next sibling at
// the previous child's `end`. Strings are stored converted to the form
// Duktape holds them in (CESU-8: a character past U+FFFF as its two
// surrogates), so a string the encoder wrote comes back the very same.
struct JsonNode {
  enum Type : std::uint8_t { kNull, kFalse, kTrue, kNumber, kString, kArray, kObject };
  Type type = kNull;
  std::uint32_t count = 0;  // an array's elements, an object's members
  std::uint32_t end = 0;    // the index after this node and its descendants
  std::uint32_t str = 0;    // a string's bytes: JsonDoc::strings[str, str + len)
  std::uint32_t len = 0;
  double number = 0;
};

struct JsonDoc {
  std::vector<JsonNode> nodes;
  std::string strings;

  std::string_view String(const JsonNode& n) const { return std::string_view(strings).substr(n.str, n.len); }
  // The value of an object's member `key`; 0 when there is none (the root
  // is never a member).
  std::uint32_t Member(std::uint32_t object, std::string_view key) const;
  // Host bytes it holds.
  std::uint64_t bytes() const { return nodes.capacity() * sizeof(JsonNode) + strings.capacity(); }
};

// Parses untrusted JSON text (RFC 8259, valid UTF-8, nested at most
// max_depth deep). False with *error saying what is wrong.
bool ParseJsonDoc(std::string_view text, std::size_t max_depth, JsonDoc* doc, std::string* error);

}  // namespace stockade::worker
