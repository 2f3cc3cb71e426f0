#include "supervisor/daemon/json_print.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include <google/protobuf/descriptor.h>

namespace stockade::supervisor {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void AppendDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("\"NaN\"");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    out->append(std::to_string(static_cast<long long>(v)));
  } else {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out->append(buf);
  }
}

void AppendBase64(const std::string& bytes, std::string* out) {
  static constexpr char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out->push_back('"');
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
    out->push_back(kTable[n >> 18]);
    out->push_back(kTable[(n >> 12) & 63]);
    out->push_back(kTable[(n >> 6) & 63]);
    out->push_back(kTable[n & 63]);
  }
  if (i < bytes.size()) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out->push_back(kTable[n >> 18]);
    out->push_back(kTable[(n >> 12) & 63]);
    out->push_back(i + 1 < bytes.size() ? kTable[(n >> 6) & 63] : '=');
    out->push_back('=');
  }
  out->push_back('"');
}

// The library's escaping, so the bytes match: besides what JSON requires,
// it escapes < and > (HTML), DEL and the C1 controls, and the invisible or
// line-breaking code points that make JSON unsafe to embed in JavaScript
// (U+2028, U+2029, bidi overrides, BOM ...), with the short forms \b \f \n
// \r \t. Strings parsed from the wire are valid UTF-8 (protobuf refuses
// anything else); invalid bytes in strings we build ourselves are dropped
// (the library drops them too, though not always the same way: it lets
// overlong forms through), so the output is always valid UTF-8.
constexpr char kHex[] = "0123456789abcdef";

void AppendU16Escape(std::uint32_t unit, std::string* out) {
  const char esc[6] = {'\\', 'u', kHex[(unit >> 12) & 15], kHex[(unit >> 8) & 15],
                       kHex[(unit >> 4) & 15], kHex[unit & 15]};
  out->append(esc, 6);
}

bool EscapedLikeTheLibrary(std::uint32_t cp) {
  if (cp < 0x20 || cp == '"' || cp == '\\' || cp == '<' || cp == '>' || (cp >= 0x7f && cp < 0xa0)) {
    return true;
  }
  switch (cp) {
    case 0x00ad: case 0x06dd: case 0x070f: case 0x17b4: case 0x17b5:
    case 0xfeff: case 0xfff9: case 0xfffa: case 0xfffb:
    case 0xe0001:
      return true;
  }
  return (cp >= 0x0600 && cp <= 0x0603) || (cp >= 0x200b && cp <= 0x200f) ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
         (cp >= 0x206a && cp <= 0x206f) || (cp >= 0x1d173 && cp <= 0x1d17a) ||
         (cp >= 0xe0020 && cp <= 0xe007f);
}

void AppendEscaped(std::uint32_t cp, std::string* out) {
  switch (cp) {
    case '"': out->append("\\\""); return;
    case '\\': out->append("\\\\"); return;
    case '\b': out->append("\\b"); return;
    case '\f': out->append("\\f"); return;
    case '\n': out->append("\\n"); return;
    case '\r': out->append("\\r"); return;
    case '\t': out->append("\\t"); return;
  }
  if (cp >= 0x10000) {
    AppendU16Escape(0xd800 + ((cp - 0x10000) >> 10), out);
    AppendU16Escape(0xdc00 + ((cp - 0x10000) & 0x3ff), out);
  } else {
    AppendU16Escape(cp, out);
  }
}

// Length of the well-formed UTF-8 sequence at s[i] and its code point, or 0.
std::size_t DecodeUtf8(std::string_view s, std::size_t i, std::uint32_t* cp) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  const std::size_t left = s.size() - i;
  const unsigned c = p[0];
  std::size_t len;
  std::uint32_t min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xc2 && c <= 0xdf) {
    len = 2, min = 0x80, *cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3, min = 0x800, *cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4, min = 0x10000, *cp = c & 0x07;
  } else {
    return 0;
  }
  if (left < len) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((p[k] & 0xc0) != 0x80) return 0;
    *cp = *cp << 6 | (p[k] & 0x3f);
  }
  if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) return 0;
  return len;
}

void AppendString(std::string_view s, std::string* out) {
  out->push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs nothing, then handle one code point.
    const std::size_t start = i;
    while (i < s.size()) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>') break;
      ++i;
    }
    out->append(s.data() + start, i - start);
    if (i == s.size()) break;
    std::uint32_t cp = 0;
    const std::size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {
      ++i;  // not UTF-8: dropped
    } else {
      if (EscapedLikeTheLibrary(cp)) {
        AppendEscaped(cp, out);
      } else {
        out->append(s.data() + i, len);
      }
      i += len;
    }
  }
  out->push_back('"');
}

void AppendValue(const Message& m, const Reflection* r, const FieldDescriptor* f, int index,
                 std::string* out) {
  const bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      out->append(std::to_string(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f)));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      out->append(std::to_string(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f)));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      out->append("\"" + std::to_string(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f)) + "\"");
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      out->append("\"" + std::to_string(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f)) + "\"");
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendDouble(rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f), out);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendDouble(rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f), out);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false");
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
      if (const auto* v = f->enum_type()->FindValueByNumber(number)) {
        AppendString(v->name(), out);
      } else {
        out->append(std::to_string(number));
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = rep ? r->GetRepeatedStringReference(m, f, index, &scratch)
                                 : r->GetStringReference(m, f, &scratch);
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        AppendBase64(s, out);
      } else {
        AppendString(s, out);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      AppendJson(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f), out);
      break;
  }
}

}  // namespace

void AppendJson(const Message& m, std::string* out) {
  const auto* d = m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  out->push_back('{');
  bool first = true;
  // The library prints plain fields first, then members of oneofs
  // (including proto3 `optional`, a synthetic oneof), each in declaration
  // order.
  for (int pass = 0; pass < 2; ++pass)
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if ((f->containing_oneof() != nullptr) != (pass == 1)) continue;
    // Like the library with always_print_primitive_fields: unset message
    // fields and unset proto3 `optional` fields are left out; everything
    // else (scalars, repeated, oneof members that are set) is printed.
    if (f->is_repeated()) {
      // printed even when empty
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE || f->has_presence()) {
      if (!r->HasField(m, f)) continue;
    }
    if (!first) out->push_back(',');
    first = false;
    AppendString(f->json_name(), out);
    out->push_back(':');
    if (f->is_repeated()) {
      out->push_back('[');
      const int n = r->FieldSize(m, f);
      for (int k = 0; k < n; ++k) {
        if (k > 0) out->push_back(',');
        AppendValue(m, r, f, k, out);
      }
      out->push_back(']');
    } else {
      AppendValue(m, r, f, -1, out);
    }
  }
  out->push_back('}');
}

std::string ToJson(const Message& m) {
  std::string out;
  AppendJson(m, &out);
  return out;
}

}  // namespace stockade::supervisor
