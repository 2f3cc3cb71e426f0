// Cutting an oversized text down to a cap, keeping its head and its tail.
//
// A truncated result or error is most useful with both ends: the head says
// what it is, the tail how it ended. The cut lands only on UTF-8 character
// boundaries, so the kept text stays valid UTF-8 when the input was, and a
// marker in the middle says how many bytes were left out.
#pragma once

#include <cstddef>
#include <string>

namespace stockade::policy {

// If text is over cap bytes, keeps about half of cap from each end around
// " …[N bytes omitted]… " so the result is at most cap bytes, and returns
// true. head_only keeps only the head (the tail is unknown).
bool TruncateHeadTail(std::string* text, std::size_t cap, bool head_only = false);

// The largest prefix length <= n that ends on a character boundary.
std::size_t Utf8PrefixLength(const std::string& text, std::size_t n);

}  // namespace stockade::policy
