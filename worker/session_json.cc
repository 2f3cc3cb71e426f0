#include "worker/session_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "worker/utf8.h"

namespace stockade::worker {

void AppendDukJsonString(const char* p, std::size_t n, std::string* out) {
  out->push_back('"');
  std::size_t plain = 0;
  while (plain < n) {
    const auto c = static_cast<unsigned char>(p[plain]);
    if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
    ++plain;
  }
  out->append(p, plain);
  if (plain < n) {
    std::string escaped;
    for (std::size_t i = plain; i < n; ++i) {
      const auto c = static_cast<unsigned char>(p[i]);
      switch (c) {
        case '"': escaped.append("\\\""); break;
        case '\\': escaped.append("\\\\"); break;
        case '\n': escaped.append("\\n"); break;
        case '\r': escaped.append("\\r"); break;
        case '\t': escaped.append("\\t"); break;
        case '\b': escaped.append("\\b"); break;
        case '\f': escaped.append("\\f"); break;
        default:
          if (c < 0x20) {
            static constexpr char kHex[] = "0123456789abcdef";
            const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
            escaped.append(esc, 6);
          } else {
            escaped.push_back(static_cast<char>(c));
          }
      }
    }
    AppendValidUtf8(escaped, Utf8Mode::kJsonEscape, out);
  }
  out->push_back('"');
}

void AppendJsonNumber(double d, std::string* out) {
  char buf[32];
  if (d == std::floor(d) && std::fabs(d) < 9007199254740992.0) {
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(d));
    out->append(buf, r.ptr);
    return;
  }
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  out->append(buf, r.ptr);
}

}  // namespace stockade::worker

namespace stockade::worker {
namespace {

void AppendUnit(std::uint32_t cp, std::string* out) {  // a code point below U+10000, surrogates included
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  Parser(std::string_view t, std::size_t max_depth, JsonDoc* doc) : t_(t), max_depth_(max_depth), doc_(doc) {}

  bool Run(std::string* error);

 private:
  bool Walk();
  bool Fail(const char* what) {
    error_ = std::string(what) + " at byte " + std::to_string(i_);
    return false;
  }
  void Space() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t')) ++i_;
  }
  bool String();
  bool Number();
  bool Key() {
    Space();
    if (i_ >= t_.size() || t_[i_] != '"' || !String()) return Fail("a member name expected");
    Space();
    if (i_ >= t_.size() || t_[i_] != ':') return Fail("':' expected");
    ++i_;
    return true;
  }
  bool Literal(std::string_view word, JsonNode::Type type) {
    if (t_.substr(i_, word.size()) != word) return Fail("an unexpected character");
    i_ += word.size();
    Push(type);
    return true;
  }
  std::uint32_t Push(JsonNode::Type type) {
    const auto at = static_cast<std::uint32_t>(doc_->nodes.size());
    JsonNode n;
    n.type = type;
    n.end = at + 1;
    doc_->nodes.push_back(n);
    return at;
  }

  std::string_view t_;
  std::size_t max_depth_;
  JsonDoc* doc_;
  std::size_t i_ = 0;
  std::string error_;
};

bool Parser::String() {
  ++i_;  // the opening quote
  const std::uint32_t at = Push(JsonNode::kString);
  std::string& out = doc_->strings;
  const std::size_t start = out.size();
  while (true) {
    if (i_ >= t_.size()) return Fail("an unterminated string");
    const auto c = static_cast<unsigned char>(t_[i_]);
    if (c == '"') {
      ++i_;
      break;
    }
    if (c < 0x20) return Fail("a control character in a string");
    if (c == '\\') {
      if (i_ + 1 >= t_.size()) return Fail("an unterminated string");
      const char e = t_[i_ + 1];
      i_ += 2;
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          std::uint32_t cp = 0;
          if (i_ + 4 > t_.size()) return Fail("a bad \\u escape");
          for (int k = 0; k < 4; ++k) {
            const char h = t_[i_ + k];
            cp <<= 4;
            if (h >= '0' && h <= '9') cp |= static_cast<std::uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f') cp |= static_cast<std::uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') cp |= static_cast<std::uint32_t>(h - 'A' + 10);
            else return Fail("a bad \\u escape");
          }
          i_ += 4;
          AppendUnit(cp, &out);  // each UTF-16 unit on its own: CESU-8
          break;
        }
        default: return Fail("a bad escape");
      }
      continue;
    }
    if (c < 0x80) {
      // A run of plain ASCII at once.
      std::size_t j = i_ + 1;
      while (j < t_.size()) {
        const auto d = static_cast<unsigned char>(t_[j]);
        if (d < 0x20 || d >= 0x80 || d == '"' || d == '\\') break;
        ++j;
      }
      out.append(t_.data() + i_, j - i_);
      i_ = j;
      continue;
    }
    // UTF-8, strictly: no overlongs, no surrogates, nothing past U+10FFFF.
    std::size_t len;
    std::uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) len = 2, min = 0x80, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, min = 0x800, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, min = 0x10000, cp = c & 0x07;
    else return Fail("invalid UTF-8");
    if (i_ + len > t_.size()) return Fail("invalid UTF-8");
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(t_[i_ + k]);
      if ((b & 0xC0) != 0x80) return Fail("invalid UTF-8");
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return Fail("invalid UTF-8");
    if (cp >= 0x10000) {
      AppendUnit(0xD800 + ((cp - 0x10000) >> 10), &out);
      AppendUnit(0xDC00 + ((cp - 0x10000) & 0x3FF), &out);
    } else {
      out.append(t_.data() + i_, len);
    }
    i_ += len;
  }
  if (out.size() > 0xFFFFFFFFu) return Fail("too long");
  doc_->nodes[at].str = static_cast<std::uint32_t>(start);
  doc_->nodes[at].len = static_cast<std::uint32_t>(out.size() - start);
  return true;
}

bool Parser::Number() {
  const std::size_t start = i_;
  auto digits = [&] {
    const std::size_t from = i_;
    while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
    return i_ > from;
  };
  if (i_ < t_.size() && t_[i_] == '-') ++i_;
  if (i_ < t_.size() && t_[i_] == '0') {
    ++i_;
  } else if (!digits()) {
    return Fail("an unexpected character");
  }
  if (i_ < t_.size() && t_[i_] == '.') {
    ++i_;
    if (!digits()) return Fail("a bad number");
  }
  if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
    ++i_;
    if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-')) ++i_;
    if (!digits()) return Fail("a bad number");
  }
  double d = 0;
  const auto r = std::from_chars(t_.data() + start, t_.data() + i_, d);
  if (r.ec == std::errc::result_out_of_range) {
    d = t_[start] == '-' ? -HUGE_VAL : HUGE_VAL;  // as JSON.parse reads 1e999
  } else if (r.ec != std::errc() || r.ptr != t_.data() + i_) {
    return Fail("a bad number");
  }
  doc_->nodes[Push(JsonNode::kNumber)].number = d;
  return true;
}

bool Parser::Run(std::string* error) {
  if (Walk()) return true;
  *error = error_;
  return false;
}

bool Parser::Walk() {
  std::vector<std::uint32_t> open;  // the containers not closed yet
  bool want_value = true;
  while (true) {
    Space();
    if (want_value) {
      if (i_ >= t_.size()) return Fail("a value expected");
      const char c = t_[i_];
      bool ok = true;
      if (c == '{' || c == '[') {
        if (open.size() >= max_depth_) return Fail("nested too deep");
        ++i_;
        open.push_back(Push(c == '{' ? JsonNode::kObject : JsonNode::kArray));
        Space();
        if (i_ < t_.size() && t_[i_] == (c == '{' ? '}' : ']')) {
          ++i_;
          open.pop_back();
          want_value = false;
          continue;
        }
        if (c == '{') ok = Key();
        ++doc_->nodes[open.back()].count;
        if (!ok) return false;
        continue;
      }
      if (c == '"') ok = String();
      else if (c == 't') ok = Literal("true", JsonNode::kTrue);
      else if (c == 'f') ok = Literal("false", JsonNode::kFalse);
      else if (c == 'n') ok = Literal("null", JsonNode::kNull);
      else ok = Number();
      if (!ok) return false;
      want_value = false;
      continue;
    }
    if (open.empty()) {
      if (i_ != t_.size()) return Fail("text after the value");
      return true;
    }
    JsonNode& top = doc_->nodes[open.back()];
    if (i_ < t_.size() && t_[i_] == ',') {
      ++i_;
      const bool object = top.type == JsonNode::kObject;
      ++top.count;
      if (object && !Key()) return false;
      want_value = true;
      continue;
    }
    if (i_ < t_.size() && t_[i_] == (top.type == JsonNode::kObject ? '}' : ']')) {
      ++i_;
      top.end = static_cast<std::uint32_t>(doc_->nodes.size());
      open.pop_back();
      continue;
    }
    return Fail("',' or a closing bracket expected");
  }
}

}  // namespace

std::uint32_t JsonDoc::Member(std::uint32_t object, std::string_view key) const {
  const JsonNode& o = nodes[object];
  if (o.type != JsonNode::kObject) return 0;
  std::uint32_t k = object + 1;
  for (std::uint32_t m = 0; m < o.count; ++m) {
    const std::uint32_t v = k + 1;
    if (String(nodes[k]) == key) return v;
    k = nodes[v].end;
  }
  return 0;
}

bool ParseJsonDoc(std::string_view text, std::size_t max_depth, JsonDoc* doc, std::string* error) {
  doc->nodes.clear();
  doc->strings.clear();
  if (text.size() >= 0xFFFFFFFFu) {
    *error = "the text is over 4 GiB";
    return false;
  }
  return Parser(text, max_depth, doc).Run(error);
}

}  // namespace stockade::worker
