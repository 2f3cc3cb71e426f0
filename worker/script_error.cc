#include "worker/script_error.h"

#include <cmath>
#include <cstdint>
#include <string_view>

#include "worker/js_values.h"
#include "worker/utf8.h"

namespace stockade::worker {
namespace {

void SetField(std::string_view text, std::string* field) { *field = ErrorFieldText(text); }

std::uint32_t ToLine(double v) {
  if (!std::isfinite(v) || v < 1 || v > UINT32_MAX) return 0;
  return static_cast<std::uint32_t>(v);
}

// Duktape's compiler messages end in "(line N)" or "(line N, end of
// input)"; used only when the error carries no lineNumber property.
std::uint32_t LineFromMessage(std::string_view message) {
  const std::size_t at = message.rfind("(line ");
  if (at == std::string_view::npos) return 0;
  std::uint64_t n = 0;
  for (std::size_t i = at + 6; i < message.size() && message[i] >= '0' && message[i] <= '9'; ++i) {
    n = n * 10 + static_cast<unsigned>(message[i] - '0');
    if (n > UINT32_MAX) return 0;
  }
  return static_cast<std::uint32_t>(n);
}

// The file name the prelude (worker/prelude) was compiled under.
constexpr std::string_view kPreludeFile = "prelude";

bool InPrelude(std::string_view frame) {
  const std::size_t open = frame.rfind('(');
  return open != std::string_view::npos && frame.substr(open + 1).starts_with(kPreludeFile) &&
         frame.size() > open + 1 + kPreludeFile.size() && frame[open + 1 + kPreludeFile.size()] == ':';
}

// "    at f (file.js:3)" -> 3; 0 when the frame has no line.
std::uint32_t FrameLine(std::string_view frame) {
  const std::size_t colon = frame.rfind(':');
  if (colon == std::string_view::npos || !frame.ends_with(")")) return 0;
  std::uint64_t n = 0;
  for (std::size_t i = colon + 1; i + 1 < frame.size(); ++i) {
    if (frame[i] < '0' || frame[i] > '9') return 0;
    n = n * 10 + static_cast<unsigned>(frame[i] - '0');
    if (n > UINT32_MAX) return 0;
  }
  return static_cast<std::uint32_t>(n);
}

// Duktape's stack lines read "    at f (file.js:3) strict preventsyield";
// frames inside the interpreter itself read "at [anon] (duk_x.c:123)
// internal". Callers see only their own frames, without the flags: not
// the interpreter's, nor the standard library's (the prelude's: a wrapped
// Error constructor, a core-js method calling back into the script).
std::string CleanStack(std::string_view stack) {
  std::string out;
  while (!stack.empty()) {
    const std::size_t nl = stack.find('\n');
    std::string_view line = stack.substr(0, nl);
    stack = nl == std::string_view::npos ? std::string_view() : stack.substr(nl + 1);
    const bool frame = line.find("    at ") == 0;
    if (frame && line.ends_with(" internal")) continue;
    if (frame) {
      const std::size_t close = line.rfind(')');
      if (close != std::string_view::npos) line = line.substr(0, close + 1);
      if (InPrelude(line)) continue;
    }
    if (!out.empty()) out.push_back('\n');
    out.append(line);
  }
  return out;
}

}  // namespace

std::string ErrorFieldText(std::string_view raw) {
  std::string valid;
  AppendValidUtf8(raw.substr(0, kErrorCopyBytes), Utf8Mode::kReplace, &valid);
  valid.resize(Utf8PrefixLength(valid, kMaxErrorFieldBytes));
  return valid;
}

std::string ExtractScriptError(duk_context* ctx, duk_idx_t idx, api::ScriptError* out) {
  idx = duk_normalize_index(ctx, idx);
  out->Clear();
  std::string text;
  double num = 0;

  if (!duk_is_object(ctx, idx) || duk_is_function(ctx, idx)) {
    // `throw 42`, `throw "x"`: no Error fields to read, only the value.
    AppendConsoleForm(ctx, idx, kErrorCopyBytes, &text);
    SetField(text, out->mutable_message());
    return "uncaught exception: " + out->message();
  }

  const bool is_error = duk_is_error(ctx, idx);
  if (SafeGetProp(ctx, idx, "name", kErrorCopyBytes, &text, &num) == DUK_TYPE_STRING) {
    SetField(text, out->mutable_name());
  } else if (is_error) {
    out->set_name("Error");
  }
  const duk_int_t message_type = SafeGetProp(ctx, idx, "message", kErrorCopyBytes, &text, &num);
  if (message_type == DUK_TYPE_STRING) {
    SetField(text, out->mutable_message());
  } else if (!is_error) {
    // A plain object was thrown: show it (JSON where possible).
    text.clear();
    AppendConsoleForm(ctx, idx, kErrorCopyBytes, &text);
    SetField(text, out->mutable_message());
  }
  if (SafeGetProp(ctx, idx, "stack", kErrorCopyBytes, &text, &num) == DUK_TYPE_STRING) {
    SetField(CleanStack(text), out->mutable_stack());
  }
  if (SafeGetProp(ctx, idx, "lineNumber", kErrorCopyBytes, &text, &num) == DUK_TYPE_NUMBER) {
    out->set_line(ToLine(num));
  }
  // Made inside the standard library (by a wrapped Error constructor, or a
  // core-js method that threw): the line is the script's first frame's.
  if (SafeGetProp(ctx, idx, "fileName", kErrorCopyBytes, &text, &num) == DUK_TYPE_STRING &&
      text == kPreludeFile) {
    out->set_line(0);
    std::string_view stack = out->stack();
    for (std::size_t at = stack.find("\n    at "); at != std::string_view::npos;
         at = stack.find("\n    at ", at + 1)) {
      const std::size_t end = stack.find('\n', at + 1);
      if (const std::uint32_t line = FrameLine(stack.substr(at + 1, end == std::string_view::npos ? end : end - at - 1))) {
        out->set_line(line);
        break;
      }
    }
  }
  if (out->line() == 0) out->set_line(LineFromMessage(out->message()));

  if (out->name().empty()) return "uncaught exception: " + out->message();
  if (out->message().empty()) return out->name();
  return out->name() + ": " + out->message();
}

}  // namespace stockade::worker
