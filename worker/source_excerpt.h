// Where in the source a syntax error is: line, column and the line itself.
//
// Duktape's compiler (the parser of record) reports the line and, with our
// patch (worker/CMakeLists.txt), the byte offset of the token it stopped
// at. This turns the offset into what a person needs: a 1-based column in
// characters and an excerpt of the line with a caret under the column, cut
// around the column when the line is long (minified code is one line).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace stockade::worker {

struct SourcePosition {
  std::uint32_t line = 0;    // 1-based
  std::uint32_t column = 0;  // 1-based, in characters (code points)
  // The line (at most about kExcerptBytes of it, "…" where cut), a newline,
  // then a caret under the column; tabs in the line are kept in the caret
  // line so it lines up.
  std::string excerpt;
};

inline constexpr std::size_t kExcerptBytes = 120;

// offset past the end means the end of the source. Line terminators are
// those of JavaScript: \n, \r, \r\n, U+2028 and U+2029.
SourcePosition PositionAt(std::string_view code, std::size_t offset);

}  // namespace stockade::worker
