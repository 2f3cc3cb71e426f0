#include "worker/utf8.h"

#include <cstdint>

namespace stockade::worker {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";

// Decodes one sequence at s[i]. Returns its length (0 when invalid) and the
// code point; surrogates (ED A0..BF xx) are decoded, not rejected, so the
// caller can join CESU-8 pairs.
std::size_t Decode(std::string_view s, std::size_t i, std::uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  std::size_t len;
  std::uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, min = 0x80, *cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, min = 0x800, *cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, *cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF) return 0;
  return len;
}

bool IsHighSurrogate(std::uint32_t cp) { return cp >= 0xD800 && cp <= 0xDBFF; }
bool IsLowSurrogate(std::uint32_t cp) { return cp >= 0xDC00 && cp <= 0xDFFF; }

void AppendCodePoint(std::uint32_t cp, std::string* out) {
  char buf[4];
  std::size_t n;
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp), n = 1;
  } else if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F)), n = 2;
  } else if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F)), n = 3;
  } else {
    buf[0] = static_cast<char>(0xF0 | (cp >> 18));
    buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3F)), n = 4;
  }
  out->append(buf, n);
}

void AppendLoneSurrogate(std::uint32_t cp, Utf8Mode mode, std::string* out) {
  if (mode == Utf8Mode::kReplace) {
    out->append(kReplacement, 3);
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  char esc[6] = {'\\', 'u', kHex[(cp >> 12) & 0xF], kHex[(cp >> 8) & 0xF], kHex[(cp >> 4) & 0xF],
                 kHex[cp & 0xF]};
  out->append(esc, 6);
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    std::uint32_t cp;
    const std::size_t n = Decode(s, i, &cp);
    if (n == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

void AppendValidUtf8(std::string_view in, Utf8Mode mode, std::string* out) {
  std::size_t i = 0;
  while (i < in.size()) {
    std::uint32_t cp;
    const std::size_t n = Decode(in, i, &cp);
    if (n == 0) {
      out->append(kReplacement, 3);
      ++i;
      continue;
    }
    if (IsHighSurrogate(cp)) {
      std::uint32_t lo;
      const std::size_t m = i + n < in.size() ? Decode(in, i + n, &lo) : 0;
      if (m != 0 && IsLowSurrogate(lo)) {
        AppendCodePoint(0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00), out);
        i += n + m;
        continue;
      }
      AppendLoneSurrogate(cp, mode, out);
    } else if (IsLowSurrogate(cp)) {
      AppendLoneSurrogate(cp, mode, out);
    } else {
      out->append(in.data() + i, n);
    }
    i += n;
  }
}

void MakeValidUtf8(std::string* s, Utf8Mode mode) {
  if (IsValidUtf8(*s)) return;
  std::string fixed;
  fixed.reserve(s->size() + 16);
  AppendValidUtf8(*s, mode, &fixed);
  s->swap(fixed);
}

std::size_t Utf8PrefixLength(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s.size();
  std::size_t n = max;
  // Back up over continuation bytes to the start of the cut character.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

std::size_t Utf8SuffixStart(std::string_view s, std::size_t max) {
  if (s.size() <= max) return 0;
  std::size_t start = s.size() - max;
  while (start < s.size() && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) ++start;
  return start;
}

}  // namespace stockade::worker
