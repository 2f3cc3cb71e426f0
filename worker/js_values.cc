#include "worker/js_values.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "worker/heap.h"

namespace stockade::worker {
namespace {

void CopyString(duk_context* ctx, duk_idx_t idx, std::size_t max_bytes, std::string* out) {
  duk_size_t len = 0;
  const char* p = duk_get_lstring(ctx, idx, &len);
  out->assign(p != nullptr ? p : "", p != nullptr ? std::min<std::size_t>(len, max_bytes) : 0);
}

duk_ret_t EncodeTop(duk_context* ctx, void* /*udata*/) {
  duk_json_encode(ctx, -1);
  return 1;
}

duk_ret_t GetPropTop(duk_context* ctx, void* udata) {
  duk_get_prop_string(ctx, -1, static_cast<const char*>(udata));
  return 1;
}

// What is left of the budget given what *out already holds.
std::size_t Room(std::size_t limit, const std::string& out) {
  return out.size() < limit ? limit - out.size() : 0;
}

}  // namespace

JsonOutcome SafeJsonEncode(duk_context* ctx, duk_idx_t idx, std::size_t max_bytes,
                           bool keep_prefix, std::string* out) {
  idx = duk_normalize_index(ctx, idx);
  JsonLimits& limits = Heap::From(ctx)->json_limits();
  duk_dup(ctx, idx);
  limits.Push(max_bytes, keep_prefix);
  const duk_int_t rc = duk_safe_call(ctx, EncodeTop, nullptr, 1, 1);
  std::string prefix;
  const bool too_large = limits.Pop(&prefix);
  JsonOutcome outcome;
  if (too_large) {
    // The RangeError the encoder threw is ours, not the script's.
    out->swap(prefix);
    outcome = JsonOutcome::kTooLarge;
  } else if (rc != DUK_EXEC_SUCCESS) {
    SafeToString(ctx, -1, max_bytes, out);
    outcome = JsonOutcome::kError;
  } else if (duk_is_string(ctx, -1)) {
    // A budget stops the encoder only when it grows its buffer, so the
    // finished text may run a little past max_bytes; callers check.
    CopyString(ctx, -1, SIZE_MAX, out);
    outcome = JsonOutcome::kOk;
  } else {
    out->clear();
    outcome = JsonOutcome::kUndefined;
  }
  duk_pop(ctx);
  return outcome;
}

void SafeToString(duk_context* ctx, duk_idx_t idx, std::size_t max_bytes, std::string* out) {
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
    if (out->size() > max_bytes) out->resize(max_bytes);
    duk_pop(ctx);
    return;
  }
  // duk_safe_to_string: if ToString throws, it stringifies the error
  // instead, and gives a fixed "Error" if that throws too.
  duk_size_t len = 0;
  const char* p = duk_safe_to_lstring(ctx, -1, &len);
  out->assign(p, std::min<std::size_t>(len, max_bytes));
  duk_pop(ctx);
}

duk_int_t SafeGetProp(duk_context* ctx, duk_idx_t idx, const char* key, std::size_t max_bytes,
                      std::string* str, double* num) {
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
    if (type == DUK_TYPE_STRING) CopyString(ctx, -1, max_bytes, str);
    if (type == DUK_TYPE_NUMBER) *num = duk_get_number(ctx, -1);
  }
  duk_pop(ctx);
  return type;
}

void AppendConsoleForm(duk_context* ctx, duk_idx_t idx, std::size_t limit, std::string* out) {
  idx = duk_normalize_index(ctx, idx);
  const std::size_t room = Room(limit, *out);
  if (room == 0) return;
  std::string text;
  switch (duk_get_type(ctx, idx)) {
    case DUK_TYPE_UNDEFINED:
    case DUK_TYPE_NONE:
      text = "undefined";
      break;
    case DUK_TYPE_NULL:
      text = "null";
      break;
    case DUK_TYPE_BOOLEAN:
      text = duk_get_boolean(ctx, idx) ? "true" : "false";
      break;
    case DUK_TYPE_STRING:
      if (duk_is_symbol(ctx, idx)) {
        SafeToString(ctx, idx, room, &text);
      } else {
        CopyString(ctx, idx, room, &text);
      }
      break;
    case DUK_TYPE_NUMBER:
      // Converting a number runs no script code, but it allocates a string:
      // at the memory cap even that can throw, so it is protected too.
      SafeToString(ctx, idx, room, &text);
      break;
    case DUK_TYPE_LIGHTFUNC:
    case DUK_TYPE_OBJECT: {
      double unused = 0;
      if (duk_is_function(ctx, idx)) {
        const duk_int_t t = SafeGetProp(ctx, idx, "name", room, &text, &unused);
        text = t == DUK_TYPE_STRING && !text.empty() ? "[Function: " + text + "]"
                                                     : std::string("[Function (anonymous)]");
        break;
      }
      if (duk_is_error(ctx, idx) &&
          SafeGetProp(ctx, idx, "stack", room, &text, &unused) == DUK_TYPE_STRING) {
        break;
      }
      const JsonOutcome json = SafeJsonEncode(ctx, idx, room, /*keep_prefix=*/true, &text);
      if (json == JsonOutcome::kOk || json == JsonOutcome::kTooLarge) break;
      SafeToString(ctx, idx, room, &text);
      break;
    }
    default:
      SafeToString(ctx, idx, room, &text);
      break;
  }
  out->append(text, 0, std::min(text.size(), room));
}

}  // namespace stockade::worker
