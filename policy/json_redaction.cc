#include "policy/json_redaction.h"

#include <cstring>
#include <optional>
#include <string_view>

#include "policy/json_string.h"

namespace stockade::policy {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

bool IsScalarByte(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
         c == '-' || c == '.';
}

void AppendUtf8(std::uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::optional<std::uint32_t> Hex4(std::string_view s, std::size_t at) {
  if (at + 4 > s.size()) return std::nullopt;
  std::uint32_t v = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    const char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
    else return std::nullopt;
  }
  return v;
}

// The text of a JSON string's inside (between the quotes); nullopt on a bad
// escape. Lone surrogates become U+FFFD.
std::optional<std::string> Unescape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out.push_back(in[i]);
      continue;
    }
    if (++i >= in.size()) return std::nullopt;
    switch (in[i]) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        auto hi = Hex4(in, i + 1);
        if (!hi) return std::nullopt;
        i += 4;
        std::uint32_t cp = *hi;
        if (cp >= 0xD800 && cp < 0xDC00) {
          auto lo = (i + 2 < in.size() && in[i + 1] == '\\' && in[i + 2] == 'u') ? Hex4(in, i + 3)
                                                                                   : std::nullopt;
          if (lo && *lo >= 0xDC00 && *lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (*lo - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          cp = 0xFFFD;
        }
        AppendUtf8(cp, &out);
        break;
      }
      default: return std::nullopt;
    }
  }
  return out;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

class Walker {
 public:
  Walker(const Redactor& r, std::string_view in, std::size_t max_paths)
      : r_(r), in_(in), max_paths_(max_paths) {}

  JsonRedaction Run(std::string* json) {
    r_.FindDocumentSpans(in_, &spans_);
    Walk();
    if (result_.changed) {
      out_.append(in_.substr(copied_));
      json->swap(out_);
    }
    return std::move(result_);
  }

 private:
  struct Frame {
    bool object = false;
    std::size_t index = 0;        // array: element number
    std::string_view key_raw;     // object: the current key's token, quotes included
    bool key_redacted = false;
    bool sensitive = false;       // the current key's value is to be replaced
  };

  void Walk() {
    enum class Want { kValue, kKeyOrEnd, kKey, kColon, kCommaOrEnd, kValueOrEnd };
    Want want = Want::kValue;
    while (true) {
      while (pos_ < in_.size() && IsSpace(in_[pos_])) ++pos_;
      if (pos_ >= in_.size()) return;  // complete, or a head cut short: nothing left to see
      const char c = in_[pos_];
      switch (want) {
        case Want::kValue:
        case Want::kValueOrEnd:
          if (want == Want::kValueOrEnd && c == ']') {
            ++pos_;
            stack_.pop_back();
            if (stack_.empty()) return Trailing();
            want = Want::kCommaOrEnd;
            break;
          }
          if (!Value()) return Rest();
          want = Want::kCommaOrEnd;
          if (stack_.empty()) return Trailing();
          break;
        case Want::kKeyOrEnd:
        case Want::kKey:
          if (want == Want::kKeyOrEnd && c == '}') {
            ++pos_;
            stack_.pop_back();
            if (stack_.empty()) return Trailing();
            want = Want::kCommaOrEnd;
            break;
          }
          if (c != '"' || !Key()) return Rest();
          want = Want::kColon;
          break;
        case Want::kColon:
          if (c != ':') return Rest();
          ++pos_;
          want = Want::kValue;
          break;
        case Want::kCommaOrEnd: {
          Frame& f = stack_.back();
          if (c == ',') {
            ++pos_;
            if (f.object) {
              want = Want::kKey;
            } else {
              ++f.index;
              want = Want::kValue;
            }
          } else if (c == (f.object ? '}' : ']')) {
            ++pos_;
            stack_.pop_back();
            if (stack_.empty()) return Trailing();
          } else {
            return Rest();
          }
          break;
        }
      }
      // An opened container wants its first member next.
      if (opened_) {
        want = stack_.back().object ? Want::kKeyOrEnd : Want::kValueOrEnd;
        opened_ = false;
      }
    }
  }

  // One value at pos_. False when it does not parse.
  bool Value() {
    const char c = in_[pos_];
    if (!stack_.empty() && stack_.back().object && stack_.back().sensitive) {
      stack_.back().sensitive = false;
      return SensitiveValue();
    }
    if (c == '{' || c == '[') {
      // Duktape's encoder stops far sooner (1000 levels); deeper text is not
      // its output and is filtered as plain text.
      if (stack_.size() >= kMaxDepth) return false;
      stack_.push_back(Frame{c == '{'});
      ++pos_;
      opened_ = true;
      return true;
    }
    if (c == '"') {
      const std::size_t start = pos_;
      if (!SkipString()) return false;
      StringToken(start, pos_, /*is_key=*/false);
      return true;
    }
    const std::size_t start = pos_;
    while (pos_ < in_.size() && IsScalarByte(in_[pos_])) ++pos_;
    if (pos_ == start) return false;
    NumberToken(start, pos_);
    return true;
  }

  // A number (or true/false/null) can be a registered literal, a PIN say:
  // it becomes the replacement string.
  void NumberToken(std::size_t start, std::size_t end) {
    const std::string_view token = in_.substr(start, end - start);
    if (!OverlapsDocumentSpan(start, end) && !r_.MayMatchAnchored(token)) return;
    std::string text(token);
    if (!r_.RedactText(&text)) return;
    Replace(start, end, Quoted(text));
    Record();
  }

  // The whole value under a sensitive key becomes the replacement.
  bool SensitiveValue() {
    const std::size_t start = pos_;
    const char c = in_[pos_];
    if (c == '"') {
      if (!SkipString()) {
        pos_ = in_.size();  // an unterminated secret: hide the rest
      } else if (pos_ - start == 2) {
        return true;  // ""
      }
    } else if (c == '{' || c == '[') {
      SkipContainer();
    } else {
      while (pos_ < in_.size() && IsScalarByte(in_[pos_])) ++pos_;
      const std::string_view word = in_.substr(start, pos_ - start);
      if (word.empty()) return false;
      if (word == "null" || word == "true" || word == "false") return true;
    }
    Replace(start, pos_, Quoted(r_.replacement()));
    Record();
    return true;
  }

  bool Key() {
    const std::size_t start = pos_;
    if (!SkipString()) return false;
    Frame& f = stack_.back();
    f.key_raw = in_.substr(start, pos_ - start);
    f.key_redacted = false;
    const std::string_view inner = f.key_raw.substr(1, f.key_raw.size() - 2);
    std::optional<std::string> decoded;
    if (inner.find('\\') != std::string_view::npos) {
      decoded = Unescape(inner);
      if (!decoded) {
        // Not JSON: the key itself is filtered as plain text, and the path
        // stops at its object rather than show the key unfiltered.
        pos_ = start;
        f.key_raw = {};
        return false;
      }
    }
    f.sensitive = r_.IsSensitiveKey(decoded ? std::string_view(*decoded) : inner);
    // A key is judged as it will be printed, too: a replacement inside it
    // ("ab[REDACTED]pwd") can make a word of its own, which the next pass
    // over this output would find sensitive. One pass must be enough.
    if (auto printed = StringToken(start, pos_, /*is_key=*/true)) {
      f.sensitive = f.sensitive || r_.IsSensitiveKey(*printed);
    }
    return true;
  }

  // A string token [start, end): value patterns over its text. Returns the
  // text as redacted when it changed.
  std::optional<std::string> StringToken(std::size_t start, std::size_t end, bool is_key) {
    const std::string_view inner = in_.substr(start + 1, end - start - 2);
    std::string text;
    if (inner.find('\\') == std::string_view::npos) {
      if (!OverlapsDocumentSpan(start + 1, end - 1) && !r_.MayMatchAnchored(inner)) return std::nullopt;
      if (!r_.MayMatch(inner)) return std::nullopt;
      text.assign(inner);
    } else if (auto decoded = Unescape(inner)) {
      if (!r_.MayMatch(*decoded)) return std::nullopt;
      text = std::move(*decoded);
    } else {
      // Escapes that do not decode (only a broken worker writes them): the
      // raw text is searched instead.
      if (!r_.MayMatch(inner)) return std::nullopt;
      text.assign(inner);
    }
    if (!r_.RedactText(&text)) return std::nullopt;
    Replace(start, end, Quoted(text));
    if (is_key) stack_.back().key_redacted = true;
    Record();
    return text;
  }

  // Offsets only grow as the walk goes on, so one cursor serves.
  bool OverlapsDocumentSpan(std::size_t begin, std::size_t end) {
    while (span_ < spans_.size() && spans_[span_].end <= begin) ++span_;
    return span_ < spans_.size() && spans_[span_].begin < end;
  }

  // pos_ at a quote; moves past the closing quote. False if there is none.
  bool SkipString() {
    // One search for the closing quote, moved on only when an escape
    // covers it: a string of many escapes costs one pass, not one per escape.
    const char* const base = in_.data();
    std::size_t i = pos_ + 1;
    const char* q = static_cast<const char*>(std::memchr(base + i, '"', in_.size() - i));
    if (q == nullptr) return false;
    while (true) {
      const char* b = static_cast<const char*>(
          std::memchr(base + i, '\\', static_cast<std::size_t>(q - (base + i))));
      if (b == nullptr) {
        pos_ = static_cast<std::size_t>(q - base) + 1;
        return true;
      }
      i = static_cast<std::size_t>(b - base) + 2;  // past the escaped byte
      if (i > in_.size()) return false;
      if (base + i > q) {  // the escape was \" : the string goes on
        q = static_cast<const char*>(std::memchr(base + i, '"', in_.size() - i));
        if (q == nullptr) return false;
      }
    }
  }

  // pos_ at { or [; moves past its match (or to the end of a cut head).
  void SkipContainer() {
    std::size_t depth = 0;
    while (pos_ < in_.size()) {
      const char c = in_[pos_];
      if (c == '"') {
        if (!SkipString()) {
          pos_ = in_.size();
          return;
        }
        continue;
      }
      ++pos_;
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return;
    }
  }

  // Text past the point where parsing stopped: plain text for the patterns.
  void Rest() {
    if (pos_ >= in_.size()) return;
    std::string text(in_.substr(pos_));
    if (!r_.RedactText(&text)) return;
    Replace(pos_, in_.size(), text);
    Record();
  }
  void Trailing() {
    while (pos_ < in_.size() && IsSpace(in_[pos_])) ++pos_;
    Rest();
  }

  std::string Quoted(std::string_view text) {
    std::string q;
    AppendJsonString(text, &q);
    return q;
  }

  void Replace(std::size_t start, std::size_t end, const std::string& with) {
    if (!result_.changed) out_.reserve(in_.size() + in_.size() / 16);
    out_.append(in_.substr(copied_, start - copied_));
    out_ += with;
    copied_ = end;
    result_.changed = true;
  }

  void Record() {
    if (result_.paths.size() >= max_paths_ || path_bytes_ >= kMaxPathBytesTotal) {
      ++result_.paths_omitted;
      return;
    }
    std::string path = "$";
    for (const Frame& f : stack_) {
      if (path.size() >= kMaxPathBytes) {
        path += "\xE2\x80\xA6";  // the rest of a very deep path is left out
        break;
      }
      if (!f.object) {
        path += "[" + std::to_string(f.index) + "]";
      } else if (f.key_redacted) {
        path += "[" + Quoted(r_.replacement()) + "]";
      } else if (!f.key_raw.empty()) {
        const std::string_view inner = f.key_raw.substr(1, f.key_raw.size() - 2);
        if (inner.size() > kMaxKeyBytesInPath) {
          // A huge key would make every path under it huge: its start is
          // enough to find it.
          std::string cut(inner.substr(0, kMaxKeyBytesInPath));
          while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0) == 0x80) cut.pop_back();
          if (!cut.empty() && static_cast<unsigned char>(cut.back()) >= 0xC0) cut.pop_back();
          while (!cut.empty() && cut.back() == '\\') cut.pop_back();
          path += "[\"" + cut + "\xE2\x80\xA6\"]";
        } else if (IsIdentifier(inner)) {
          path += ".";
          path += inner;
        } else {
          path += "[";
          path += f.key_raw;
          path += "]";
        }
      }
    }
    path_bytes_ += path.size();
    result_.paths.push_back(std::move(path));
  }

  static constexpr std::size_t kMaxDepth = 10000;
  static constexpr std::size_t kMaxKeyBytesInPath = 64;
  static constexpr std::size_t kMaxPathBytes = 1024;
  static constexpr std::size_t kMaxPathBytesTotal = 64 * 1024;

  const Redactor& r_;
  std::string_view in_;
  std::size_t max_paths_;
  std::size_t pos_ = 0;
  std::size_t copied_ = 0;
  bool opened_ = false;
  std::vector<Frame> stack_;
  std::vector<Redactor::Span> spans_;  // FindDocumentSpans over in_
  std::size_t span_ = 0;
  std::size_t path_bytes_ = 0;  // of result_.paths
  std::string out_;
  JsonRedaction result_;
};

}  // namespace

JsonRedaction RedactJson(const Redactor& redactor, std::string* json, std::size_t max_paths) {
  if (!redactor.enabled() || json->empty()) return {};
  std::string in;
  in.swap(*json);
  Walker w(redactor, in, max_paths);
  JsonRedaction r = w.Run(json);
  if (!r.changed) json->swap(in);
  return r;
}

}  // namespace stockade::policy
