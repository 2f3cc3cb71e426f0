#include "policy/json_string.h"

#include <cstdio>

#include "policy/request_validation.h"

namespace stockade::policy {

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    // Whole valid UTF-8 runs go out as they are; a byte that breaks the
    // encoding becomes U+FFFD, so the output is always valid JSON.
    const std::size_t bad = FindInvalidUtf8(s.substr(i));
    const std::size_t end = bad == std::string_view::npos ? s.size() : i + bad;
    for (; i < end; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      switch (c) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        case '\b': out->append("\\b"); break;
        case '\f': out->append("\\f"); break;
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out->append(buf);
          } else if (c == 0xE2 && i + 2 < end && s[i + 1] == '\x80' &&
                     (s[i + 2] == '\xA8' || s[i + 2] == '\xA9')) {
            // U+2028 and U+2029 end a line in JavaScript: escaped, as
            // protobuf's JSON printer does.
            out->append(s[i + 2] == '\xA8' ? "\\u2028" : "\\u2029");
            i += 2;
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
    }
    if (i < s.size()) {
      out->append("\\ufffd");
      ++i;
    }
  }
  out->push_back('"');
}

}  // namespace stockade::policy
