#include "supervisor/json_print.h"

#include <cmath>
#include <cstdio>

#include <google/protobuf/descriptor.h>

#include "supervisor/log.h"

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
        AppendJsonString(out, v->name());
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
        AppendJsonString(out, s);
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
    AppendJsonString(out, f->json_name());
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
