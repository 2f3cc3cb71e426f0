#include "worker/js_values.h"

#include <string_view>

namespace stockade::worker {
namespace {

void CopyString(duk_context* ctx, duk_idx_t idx, std::string* out) {
  duk_size_t len = 0;
  const char* p = duk_get_lstring(ctx, idx, &len);
  out->assign(p != nullptr ? p : "", p != nullptr ? len : 0);
}

duk_ret_t EncodeTop(duk_context* ctx, void* /*udata*/) {
  duk_json_encode(ctx, -1);
  return 1;
}

duk_ret_t GetPropTop(duk_context* ctx, void* udata) {
  duk_get_prop_string(ctx, -1, static_cast<const char*>(udata));
  return 1;
}

}  // namespace

JsonOutcome SafeJsonEncode(duk_context* ctx, duk_idx_t idx, std::string* out) {
  idx = duk_normalize_index(ctx, idx);
  duk_dup(ctx, idx);
  const duk_int_t rc = duk_safe_call(ctx, EncodeTop, nullptr, 1, 1);
  JsonOutcome outcome;
  if (rc != DUK_EXEC_SUCCESS) {
    SafeToString(ctx, -1, out);
    outcome = JsonOutcome::kError;
  } else if (duk_is_string(ctx, -1)) {
    CopyString(ctx, -1, out);
    outcome = JsonOutcome::kOk;
  } else {
    out->clear();
    outcome = JsonOutcome::kUndefined;
  }
  duk_pop(ctx);
  return outcome;
}

void SafeToString(duk_context* ctx, duk_idx_t idx, std::string* out) {
  duk_dup(ctx, idx);
  if (duk_is_symbol(ctx, -1)) {
    // ToString(symbol) throws by definition; render it as String() does.
    // Duktape keeps a symbol's description in its internal string: one
    // marker byte, the description, then (for local symbols) 0xFF and a
    // unique suffix.
    duk_size_t len = 0;
    const char* p = duk_get_lstring(ctx, -1, &len);
    std::string_view raw(p != nullptr ? p : "", p != nullptr ? len : 0);
    if (!raw.empty()) raw.remove_prefix(1);
    raw = raw.substr(0, raw.find('\xFF'));
    *out = "Symbol(";
    out->append(raw);
    out->push_back(')');
    duk_pop(ctx);
    return;
  }
  // duk_safe_to_string: if ToString throws, it stringifies the error
  // instead, and gives a fixed "Error" if that throws too.
  duk_size_t len = 0;
  const char* p = duk_safe_to_lstring(ctx, -1, &len);
  out->assign(p, len);
  duk_pop(ctx);
}

duk_int_t SafeGetProp(duk_context* ctx, duk_idx_t idx, const char* key, std::string* str,
                      double* num) {
  idx = duk_normalize_index(ctx, idx);
  // Primitives other than undefined/null are fine: the read coerces them to
  // objects (e.g. a symbol's "description").
  if (duk_check_type_mask(ctx, idx,
                          DUK_TYPE_MASK_NONE | DUK_TYPE_MASK_UNDEFINED | DUK_TYPE_MASK_NULL)) {
    return DUK_TYPE_NONE;
  }
  duk_dup(ctx, idx);
  const duk_int_t rc = duk_safe_call(ctx, GetPropTop, const_cast<char*>(key), 1, 1);
  duk_int_t type = DUK_TYPE_NONE;
  if (rc == DUK_EXEC_SUCCESS) {
    type = duk_get_type(ctx, -1);
    if (type == DUK_TYPE_STRING) CopyString(ctx, -1, str);
    if (type == DUK_TYPE_NUMBER) *num = duk_get_number(ctx, -1);
  }
  duk_pop(ctx);
  return type;
}

void AppendConsoleForm(duk_context* ctx, duk_idx_t idx, std::string* out) {
  idx = duk_normalize_index(ctx, idx);
  std::string text;
  switch (duk_get_type(ctx, idx)) {
    case DUK_TYPE_UNDEFINED:
    case DUK_TYPE_NONE:
      out->append("undefined");
      return;
    case DUK_TYPE_NULL:
      out->append("null");
      return;
    case DUK_TYPE_BOOLEAN:
      out->append(duk_get_boolean(ctx, idx) ? "true" : "false");
      return;
    case DUK_TYPE_STRING:
      if (!duk_is_symbol(ctx, idx)) {
        duk_size_t len = 0;
        const char* p = duk_get_lstring(ctx, idx, &len);
        out->append(p, len);
        return;
      }
      break;
    case DUK_TYPE_NUMBER:
      // Number-to-string conversion runs no script code and cannot throw.
      duk_dup(ctx, idx);
      out->append(duk_to_string(ctx, -1));
      duk_pop(ctx);
      return;
    case DUK_TYPE_LIGHTFUNC:
    case DUK_TYPE_OBJECT: {
      double unused = 0;
      if (duk_is_function(ctx, idx)) {
        const duk_int_t t = SafeGetProp(ctx, idx, "name", &text, &unused);
        out->append(t == DUK_TYPE_STRING && !text.empty() ? "[Function: " + text + "]"
                                                          : std::string("[Function (anonymous)]"));
        return;
      }
      if (duk_is_error(ctx, idx) &&
          SafeGetProp(ctx, idx, "stack", &text, &unused) == DUK_TYPE_STRING) {
        out->append(text);
        return;
      }
      if (SafeJsonEncode(ctx, idx, &text) == JsonOutcome::kOk) {
        out->append(text);
        return;
      }
      break;
    }
    default:
      break;
  }
  SafeToString(ctx, idx, &text);
  out->append(text);
}

}  // namespace stockade::worker
