#include "worker/top_level.h"

#include <string>

namespace stockade::worker {
namespace {

// How many places, from the end, may be where the last statement starts.
constexpr int kMaxCandidates = 24;

// The function's parameter: the names to declare global (lockdown.js,
// __stockade_declare_names). The getter and setter reach the function's
// locals by name through a direct eval, which also makes Duktape keep the
// function's variable map, where the names are read from. Then, with the
// declared functions in place and before the first statement,
// __stockade_hoisted records their sources in a session's run
// (worker/function_sources.h; outside one it returns at once).
constexpr std::string_view kPrologue =
    "function(__stockade_names){__stockade_declare_names(this,__stockade_names,"
    "function(){return eval(arguments[0])},function(){eval(arguments[0]+'=arguments[1]')});"
    "__stockade_hoisted();";
constexpr char kParam[] = "__stockade_names";
constexpr char kVarmap[] = "\x82Varmap";

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// `word` as a whole identifier anywhere (strings and comments included:
// a false match only costs the speed-up).
bool MentionsWord(std::string_view code, std::string_view word) {
  for (std::size_t at = code.find(word); at != std::string_view::npos; at = code.find(word, at + 1)) {
    const bool starts = at == 0 || !IsIdentChar(code[at - 1]);
    const bool ends = at + word.size() >= code.size() || !IsIdentChar(code[at + word.size()]);
    if (starts && ends) return true;
  }
  return false;
}

}  // namespace

bool StartsWithString(std::string_view code) {
  std::size_t i = 0;
  while (i < code.size()) {
    const char c = code[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else if (code.substr(i, 2) == "//") {
      const std::size_t nl = code.find('\n', i);
      i = nl == std::string_view::npos ? code.size() : nl + 1;
    } else if (code.substr(i, 2) == "/*") {
      const std::size_t end = code.find("*/", i + 2);
      if (end == std::string_view::npos) return true;  // not worth reasoning about
      i = end + 2;
    } else {
      return c == '"' || c == '\'';
    }
  }
  return false;
}

namespace {

bool Compiles(duk_context* ctx, std::string_view text, duk_uint_t flags) {
  const bool ok = duk_pcompile_lstring(ctx, flags, text.data(), text.size()) == 0;
  duk_pop(ctx);
  return ok;
}

// Whether the last statement can start where `tail` does. After a
// semicolon a statement always starts (a semicolon inside a comment,
// string or regular expression leaves the text before or after it, or the
// function built from them, unable to compile). At a line's start, only if
// the rest starts with a token that cannot continue what precedes it: an
// identifier, a number, a string, ! or ~ (not ( [ + - / and the like, which
// would make it one statement with the line before). Never a function
// declaration or a block, which an expression statement cannot start with.
bool SafeStart(std::string_view tail, bool after_semicolon) {
  std::size_t i = 0;
  while (i < tail.size() && (tail[i] == ' ' || tail[i] == '\t' || tail[i] == '\n' || tail[i] == '\r')) ++i;
  if (i == tail.size() || tail[i] == '{') return false;
  const char c = tail[i];
  const bool ok = after_semicolon || (IsIdentChar(c) && static_cast<unsigned char>(c) < 0x80) || c == '"' ||
                  c == '\'' || c == '!' || c == '~';
  if (!ok) return false;
  const std::string_view word = tail.substr(i, 8);
  return !(word == "function" && (tail.size() == i + 8 || !IsIdentChar(tail[i + 8])));
}

// The last statement's expression, if the program ends in an expression
// statement starting at `at`: `tail` as it is, or without its final
// semicolon.
bool TailExpression(duk_context* ctx, std::string_view tail, std::string* out) {
  std::string text = "(\n";
  text.append(tail);
  text += "\n)";
  if (Compiles(ctx, text, DUK_COMPILE_EVAL)) {
    *out = std::string(tail);
    return true;
  }
  // Only a final semicolon (white space after it at most): one inside a
  // string, a regular expression or a comment is part of the expression.
  const std::size_t semi = tail.find_last_not_of(" \t\r\n");
  if (semi == std::string_view::npos || tail[semi] != ';') return false;
  std::string without(tail.substr(0, semi));
  text = "(\n" + without + "\n)";
  if (!Compiles(ctx, text, DUK_COMPILE_EVAL)) return false;
  *out = std::move(without);
  return true;
}

}  // namespace

bool CompileInFunctionScope(duk_context* ctx, std::string_view code, duk_idx_t filename_idx) {
  filename_idx = duk_normalize_index(ctx, filename_idx);
  // Only code that loops or has functions (callbacks reading the top
  // level's variables) gains what the extra compiles cost.
  const bool worth = MentionsWord(code, "for") || MentionsWord(code, "while") || MentionsWord(code, "do") ||
                     MentionsWord(code, "function");
  if (!worth || MentionsWord(code, "eval") || MentionsWord(code, "arguments") ||
      code.find("__stockade") != std::string_view::npos || code.find("\\u") != std::string_view::npos ||
      StartsWithString(code)) {
    return false;
  }
  // Where the last statement starts: a line's start or just after a
  // semicolon, tried from the end.
  std::size_t at = code.size();
  std::string expression;
  bool found = false;
  for (int tried = 0; tried < kMaxCandidates && at > 0 && !found; ++tried) {
    const std::size_t prev = code.find_last_of("\n;", at - 1);
    at = prev == std::string_view::npos ? 0 : prev + 1;
    const std::string_view tail = code.substr(at);
    const bool after_semicolon = prev != std::string_view::npos && code[prev] == ';';
    if (SafeStart(tail, after_semicolon) && TailExpression(ctx, tail, &expression) &&
        Compiles(ctx, code.substr(0, at), DUK_COMPILE_EVAL)) {
      found = true;
    } else if (prev == std::string_view::npos) {
      break;
    } else {
      at = prev;
    }
  }
  if (!found) return false;

  std::string body(kPrologue);
  body.append(code.substr(0, at));
  body += ";return (";
  body += expression;
  body += "\n);}";
  duk_dup(ctx, filename_idx);
  if (duk_pcompile_lstring_filename(ctx, DUK_COMPILE_FUNCTION, body.data(), body.size()) != 0) {
    duk_pop(ctx);
    return false;
  }
  // [fn] -> [fn names]
  duk_push_array(ctx);
  duk_uarridx_t n = 0;
  if (duk_get_prop_string(ctx, -2, kVarmap)) {
    duk_enum(ctx, -1, DUK_ENUM_OWN_PROPERTIES_ONLY);
    while (duk_next(ctx, -1, 0)) {
      const std::string_view name = duk_get_string(ctx, -1);
      // A name the global has already (a built-in such as console, a
      // session's variable) would start undefined as a local, where
      // `var console = console || ...` in global code keeps the value.
      duk_push_global_object(ctx);
      const bool taken = name != kParam && duk_has_prop_lstring(ctx, -1, name.data(), name.size());
      duk_pop(ctx);
      if (taken) {
        duk_pop_n(ctx, 5);
        return false;
      }
      if (name != kParam) {
        duk_put_prop_index(ctx, -4, n++);
      } else {
        duk_pop(ctx);
      }
    }
    duk_pop(ctx);  // the enumerator
  }
  duk_pop(ctx);  // the map
  return true;
}

}  // namespace stockade::worker
