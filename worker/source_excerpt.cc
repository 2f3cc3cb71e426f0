#include "worker/source_excerpt.h"

namespace stockade::worker {
namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Length of the line terminator at i, or 0.
std::size_t TerminatorAt(std::string_view s, std::size_t i) {
  if (s[i] == '\n') return 1;
  if (s[i] == '\r') return i + 1 < s.size() && s[i + 1] == '\n' ? 2 : 1;
  if (i + 2 < s.size() && s[i] == '\xE2' && s[i + 1] == '\x80' &&
      (s[i + 2] == '\xA8' || s[i + 2] == '\xA9')) {
    return 3;
  }
  return 0;
}

std::uint32_t CodePoints(std::string_view s) {
  std::uint32_t n = 0;
  for (char c : s) n += IsContinuation(c) ? 0 : 1;
  return n;
}

}  // namespace

SourcePosition PositionAt(std::string_view code, std::size_t offset) {
  if (offset > code.size()) offset = code.size();
  while (offset > 0 && offset < code.size() && IsContinuation(code[offset])) --offset;
  SourcePosition pos;
  pos.line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset;) {
    const std::size_t t = TerminatorAt(code, i);
    if (t == 0) {
      ++i;
      continue;
    }
    i += t;
    if (i > offset) break;  // the offset is inside a \r\n
    ++pos.line;
    line_start = i;
  }
  std::size_t line_end = offset;
  while (line_end < code.size() && TerminatorAt(code, line_end) == 0) ++line_end;
  pos.column = CodePoints(code.substr(line_start, offset - line_start)) + 1;

  // A window of the line around the offset.
  std::size_t from = line_start;
  std::size_t to = line_end;
  if (to - from > kExcerptBytes) {
    from = offset > line_start + kExcerptBytes / 2 ? offset - kExcerptBytes / 2 : line_start;
    while (from > line_start && IsContinuation(code[from])) --from;
    to = from + kExcerptBytes < line_end ? from + kExcerptBytes : line_end;
    while (to < line_end && IsContinuation(code[to])) ++to;
  }
  const bool cut_head = from > line_start;
  const bool cut_tail = to < line_end;
  const std::string_view shown = code.substr(from, to - from);
  pos.excerpt = std::string(cut_head ? "\xE2\x80\xA6" : "") + std::string(shown) +
                (cut_tail ? "\xE2\x80\xA6" : "") + "\n";
  if (cut_head) pos.excerpt += ' ';
  for (std::size_t i = from; i < offset; ++i) {
    if (IsContinuation(code[i])) continue;
    pos.excerpt += code[i] == '\t' ? '\t' : ' ';
  }
  pos.excerpt += '^';
  return pos;
}

}  // namespace stockade::worker
