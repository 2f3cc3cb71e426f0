#include "worker/function_sources.h"

#include <cstring>

#include "worker/top_level.h"

namespace stockade::worker {
namespace {

constexpr char kRegistryKey[] = DUK_HIDDEN_SYMBOL("StockadeSources");
constexpr char kCandidatesKey[] = DUK_HIDDEN_SYMBOL("StockadeCandidates");
constexpr int kEntryFields = 5;  // function, name, text, prologue, kind

bool IsIdentByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         c >= 0x80;
}

// After these words an expression starts, so a `/` begins a regular
// expression literal rather than dividing.
bool PrecedesExpression(std::string_view word) {
  for (std::string_view w : {"return", "typeof", "instanceof", "in", "new", "delete", "void", "throw", "case",
                             "do", "else"}) {
    if (word == w) return true;
  }
  return false;
}

// A token-level walk of ES5 text: enough to know the bracket depth and
// where statements may start, not a parser. Whatever it gets wrong, the
// verification catches.
class Scanner {
 public:
  explicit Scanner(std::string_view code) : code_(code) {}

  std::vector<FunctionCandidate> Run() {
    std::vector<FunctionCandidate> found;
    FunctionCandidate pending;
    bool has_pending = false;
    while (SkipSpaceAndComments()) {
      const char c = code_[i_];
      if (c == '"' || c == '\'') {
        if (!SkipString(c)) break;
        prev_ = Prev::kValue;
      } else if (c == '/') {
        if (prev_ == Prev::kValue) {
          ++i_;
          prev_ = Prev::kOperator;
        } else if (!SkipRegExp()) {
          break;
        } else {
          prev_ = Prev::kValue;
        }
      } else if (IsIdentByte(static_cast<unsigned char>(c))) {
        const std::size_t start = i_;
        while (i_ < code_.size() && IsIdentByte(static_cast<unsigned char>(code_[i_]))) ++i_;
        const std::string_view word = code_.substr(start, i_ - start);
        // A value then a line break then `function`: no expression goes on
        // that way, so a semicolon is inserted and a statement starts.
        const bool statement_start = prev_ == Prev::kNone || prev_ == Prev::kStatementEnd ||
                                     (prev_ == Prev::kValue && newline_before_);
        if (word == "function" && depth_ == 0 && statement_start && !has_pending &&
            found.size() < kMaxFunctionCandidates) {
          has_pending = DeclaredName(&pending.name);
          pending.begin = start;
        }
        prev_ = PrecedesExpression(word) ? Prev::kOperator : Prev::kValue;
        last_word_ = word;
        continue;
      } else if (c == '{' || c == '(' || c == '[') {
        // The ) of `if (...)` and the like ends a statement's head: a
        // statement (perhaps a regular expression) follows.
        heads_.push_back(c == '(' && prev_ == Prev::kValue &&
                         (last_word_ == "if" || last_word_ == "while" || last_word_ == "for" || last_word_ == "with"));
        ++depth_;
        ++i_;
        prev_ = Prev::kOperator;
      } else if (c == '}' || c == ')' || c == ']') {
        if (depth_ == 0) break;
        --depth_;
        ++i_;
        const bool head = heads_.back();
        heads_.pop_back();
        if (c == '}' && depth_ == 0 && has_pending) {
          pending.end = i_;
          found.push_back(pending);
          has_pending = false;
        }
        // After a block a statement may start; after ) or ] an operator
        // follows, unless the ) ended a statement's head.
        prev_ = c == '}' || head ? Prev::kStatementEnd : Prev::kValue;
      } else if (c == ';') {
        ++i_;
        prev_ = Prev::kStatementEnd;
      } else {
        ++i_;
        prev_ = Prev::kOperator;
      }
      last_word_ = {};
    }
    return found;
  }

 private:
  enum class Prev { kNone, kStatementEnd, kValue, kOperator };

  // False at the end of the text or in an unterminated comment. Notes
  // whether a line ended on the way (newline_before_).
  bool SkipSpaceAndComments() {
    newline_before_ = false;
    while (i_ < code_.size()) {
      const char c = code_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        newline_before_ |= c == '\n' || c == '\r';
        ++i_;
      } else if (code_.substr(i_, 2) == "//") {
        const std::size_t nl = code_.find('\n', i_);
        i_ = nl == std::string_view::npos ? code_.size() : nl + 1;
        newline_before_ = true;
      } else if (code_.substr(i_, 2) == "/*") {
        const std::size_t end = code_.find("*/", i_ + 2);
        if (end == std::string_view::npos) return false;
        newline_before_ |= code_.substr(i_, end - i_).find_first_of("\r\n") != std::string_view::npos;
        i_ = end + 2;
      } else {
        return true;
      }
    }
    return false;
  }

  bool SkipString(char quote) {
    for (++i_; i_ < code_.size(); ++i_) {
      const char c = code_[i_];
      if (c == '\\') {
        ++i_;
      } else if (c == quote) {
        ++i_;
        return true;
      } else if (c == '\n' || c == '\r') {
        return false;
      }
    }
    return false;
  }

  bool SkipRegExp() {
    bool in_class = false;
    for (++i_; i_ < code_.size(); ++i_) {
      const char c = code_[i_];
      if (c == '\\') {
        ++i_;
      } else if (c == '\n' || c == '\r') {
        return false;
      } else if (in_class) {
        in_class = c != ']';
      } else if (c == '[') {
        in_class = true;
      } else if (c == '/') {
        ++i_;
        while (i_ < code_.size() && IsIdentByte(static_cast<unsigned char>(code_[i_]))) ++i_;  // flags
        return true;
      }
    }
    return false;
  }

  // After `function`: NAME then `(`. Leaves the position after NAME.
  bool DeclaredName(std::string* name) {
    if (!SkipSpaceAndComments()) return false;
    const std::size_t start = i_;
    while (i_ < code_.size() && IsIdentByte(static_cast<unsigned char>(code_[i_]))) ++i_;
    if (i_ == start || (code_[start] >= '0' && code_[start] <= '9')) return false;
    *name = std::string(code_.substr(start, i_ - start));
    const std::size_t after = i_;
    const bool paren = SkipSpaceAndComments() && code_[i_] == '(';
    i_ = after;
    return paren;
  }

  std::string_view code_;
  std::size_t i_ = 0;
  int depth_ = 0;
  Prev prev_ = Prev::kNone;
  bool newline_before_ = false;  // a line ended before the current token
  std::string_view last_word_;  // the token before, if it was a word
  std::vector<bool> heads_;     // per open bracket: a statement's head
};

bool Compiles(duk_context* ctx, duk_uint_t flags, const std::string& text, std::string_view filename) {
  duk_push_lstring(ctx, filename.data(), filename.size());
  const bool ok = duk_pcompile_lstring_filename(ctx, flags, text.data(), text.size()) == 0;
  duk_pop(ctx);
  return ok;
}

// Dumps the ECMAScript function at idx; empty if it cannot be dumped.
std::string Dump(duk_context* ctx, duk_idx_t idx) {
  if (!duk_is_ecmascript_function(ctx, idx)) return {};
  duk_dup(ctx, idx);
  duk_dump_function(ctx);
  duk_size_t size = 0;
  const void* bytes = duk_get_buffer(ctx, -1, &size);
  std::string out(static_cast<const char*>(bytes), size);
  duk_pop(ctx);
  return out;
}

struct VerifyArgs {
  duk_context* scratch;  // a thread whose global is an empty object of its own
  duk_idx_t fn_idx;
  const std::string* padded;  // the candidate, after the line breaks before it
  std::string_view name;
  std::string_view filename;
  bool same = false;
};

// Whether `padded` is one whole function declaration that compiles to
// the function at fn_idx. Runs under duk_safe_call: an allocation the run's
// memory cap refuses fails the verification, not the run's own code.
duk_ret_t VerifyOnStack(duk_context* ctx, void* udata) {
  auto* args = static_cast<VerifyArgs*>(udata);
  const std::string& text = *args->padded;
  // One whole function: as a function expression it compiles, and without
  // its last character it does not (Duktape ignores what follows the first
  // function, so the second test is what makes the first mean "all of it").
  if (!Compiles(ctx, DUK_COMPILE_FUNCTION, text, args->filename) ||
      Compiles(ctx, DUK_COMPILE_FUNCTION, text.substr(0, text.size() - 1), args->filename)) {
    return 0;
  }
  // Declared in global code (as the run's own was, in a program or a
  // function: their dumps agree), on the scratch global. Being one function
  // declaration, running it only defines that function there.
  duk_context* scratch = args->scratch;
  duk_set_top(scratch, 0);
  duk_push_lstring(scratch, args->filename.data(), args->filename.size());
  if (duk_pcompile_lstring_filename(scratch, 0, text.data(), text.size()) != 0 || duk_pcall(scratch, 0) != 0) {
    return 0;
  }
  duk_pop(scratch);
  duk_push_global_object(scratch);
  duk_get_prop_lstring(scratch, -1, args->name.data(), args->name.size());
  const std::string candidate = Dump(scratch, -1);
  args->same = !candidate.empty() && candidate == Dump(ctx, args->fn_idx);
  return 0;
}

// Appends [fn name text prologue kind] to the registry at reg_idx; the
// text and prologue are at text_idx and prologue_idx.
void Append(duk_context* ctx, duk_idx_t reg_idx, duk_idx_t fn_idx, duk_idx_t name_idx, duk_idx_t text_idx,
            duk_idx_t prologue_idx, const char* kind) {
  reg_idx = duk_normalize_index(ctx, reg_idx);
  fn_idx = duk_normalize_index(ctx, fn_idx);
  name_idx = duk_normalize_index(ctx, name_idx);
  text_idx = duk_normalize_index(ctx, text_idx);
  prologue_idx = duk_normalize_index(ctx, prologue_idx);
  auto at = static_cast<duk_uarridx_t>(duk_get_length(ctx, reg_idx));
  for (duk_idx_t idx : {fn_idx, name_idx, text_idx, prologue_idx}) {
    duk_dup(ctx, idx);
    duk_put_prop_index(ctx, reg_idx, at++);
  }
  duk_push_string(ctx, kind);
  duk_put_prop_index(ctx, reg_idx, at);
}

// __stockade_hoisted(): verifies and registers the candidates
// BeginSessionRun left, once (they are gone after the first call).
duk_ret_t Hoisted(duk_context* ctx) {
  duk_push_global_object(ctx);  // [global]
  if (!duk_get_prop_string(ctx, -1, kCandidatesKey) || !duk_is_array(ctx, -1)) return 0;
  duk_del_prop_string(ctx, 0, kCandidatesKey);
  duk_get_prop_string(ctx, 0, kRegistryKey);  // [global candidates registry]
  if (!duk_is_array(ctx, 2)) return 0;
  duk_get_prop_index(ctx, 1, 0);  // [... filename]
  const std::string filename = duk_safe_to_string(ctx, -1);
  duk_push_string(ctx, "");  // 4: the prologue (none)
  duk_push_null(ctx);        // 5: no text
  duk_push_thread(ctx);      // 6: the scratch thread, one for all candidates
  duk_context* scratch = duk_get_context(ctx, 6);
  duk_push_bare_object(scratch);
  duk_set_global_object(scratch);
  const auto n = static_cast<duk_uarridx_t>(duk_get_length(ctx, 1));
  for (duk_uarridx_t i = 1; i + 2 < n; i += 3) {
    duk_get_prop_index(ctx, 1, i);      // 7: name
    duk_get_prop_index(ctx, 1, i + 1);  // 8: text
    duk_get_prop_index(ctx, 1, i + 2);  // 9: line breaks before it
    duk_size_t name_len = 0;
    const char* name = duk_get_lstring(ctx, 7, &name_len);
    // The declared function: through the top-level function's accessor, or
    // the global's own property in global code.
    duk_get_prop_lstring(ctx, 0, name, name_len);  // 10
    if (duk_is_ecmascript_function(ctx, 10)) {
      std::string padded = duk_safe_to_string(ctx, 9);
      padded += duk_safe_to_string(ctx, 8);
      VerifyArgs args{scratch, 10, &padded, std::string_view(name, name_len), filename};
      if (duk_safe_call(ctx, VerifyOnStack, &args, 0, 1) != DUK_EXEC_SUCCESS) args.same = false;
      duk_pop(ctx);
      Append(ctx, 2, 10, 7, args.same ? 8 : 5, 4, "e");
    }
    duk_set_top(ctx, 7);
  }
  return 0;
}

// __stockade_sources(list): list is [kind, name, value, text, prologue]
// repeated (worker/prelude/lowering.js); entries whose value is not a
// function are left out.
duk_ret_t Sources(duk_context* ctx) {
  duk_push_global_object(ctx);  // [list global]
  if (!duk_get_prop_string(ctx, -1, kRegistryKey) || !duk_is_array(ctx, -1) || !duk_is_array(ctx, 0)) return 0;
  duk_push_null(ctx);  // 3
  const auto n = static_cast<duk_uarridx_t>(duk_get_length(ctx, 0));
  for (duk_uarridx_t i = 0; i + 4 < n; i += 5) {
    for (duk_uarridx_t k = 0; k < 5; ++k) duk_get_prop_index(ctx, 0, i + k);  // 4..8
    const std::string_view kind = duk_is_string(ctx, 4) ? duk_get_string(ctx, 4) : "";
    if ((kind == "h" || kind == "l") && duk_is_string(ctx, 5) && duk_is_function(ctx, 6) &&
        duk_is_string(ctx, 8)) {
      Append(ctx, 2, 6, 5, duk_is_string(ctx, 7) ? 7 : 3, 8, kind == "h" ? "h" : "l");
    }
    duk_set_top(ctx, 4);
  }
  return 0;
}

void DefineHidden(duk_context* ctx, const char* name, duk_c_function fn, duk_idx_t nargs) {
  duk_push_global_object(ctx);
  duk_push_string(ctx, name);
  duk_push_c_function(ctx, fn, nargs);
  duk_def_prop(ctx, -3,
               DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_HAVE_WRITABLE | DUK_DEFPROP_HAVE_ENUMERABLE |
                   DUK_DEFPROP_HAVE_CONFIGURABLE);
  duk_pop(ctx);
}

}  // namespace

std::vector<FunctionCandidate> FindTopLevelFunctions(std::string_view code) {
  if (code.find("__stockade") != std::string_view::npos || code.find("\\u") != std::string_view::npos) return {};
  return Scanner(code).Run();
}

void InstallFunctionSources(duk_context* ctx) {
  DefineHidden(ctx, "__stockade_sources", Sources, 1);
  DefineHidden(ctx, "__stockade_hoisted", Hoisted, 0);
}

bool BeginSessionRun(duk_context* env, std::string_view code, std::string_view filename) {
  duk_push_global_object(env);
  duk_push_array(env);
  duk_put_prop_string(env, -2, kRegistryKey);
  // A program that starts with a directive keeps it first: nothing goes in
  // front of it, so its functions are not verified (they are dropped).
  std::vector<FunctionCandidate> found;
  if (code.find("function") != std::string_view::npos && !StartsWithString(code)) {
    found = FindTopLevelFunctions(code);
  }
  if (found.empty()) {
    duk_pop(env);
    return false;
  }
  // [filename, name, text, line breaks before it, ...]: the text is
  // compiled again after the same line breaks, so its line numbers (part of
  // the bytecode dump) are the declaration's.
  duk_push_array(env);
  duk_push_lstring(env, filename.data(), filename.size());
  duk_put_prop_index(env, -2, 0);
  duk_uarridx_t at = 1;
  std::size_t scanned = 0;
  std::string breaks;
  for (const FunctionCandidate& c : found) {
    for (; scanned < c.begin; ++scanned) {
      const char ch = code[scanned];
      if (ch == '\n' || ch == '\r') {
        breaks += ch;
      } else if (code.substr(scanned, 3) == "\xE2\x80\xA8" || code.substr(scanned, 3) == "\xE2\x80\xA9") {
        breaks.append(code.substr(scanned, 3));  // U+2028, U+2029 end lines too
        scanned += 2;
      }
    }
    duk_push_lstring(env, c.name.data(), c.name.size());
    duk_put_prop_index(env, -2, at++);
    duk_push_lstring(env, code.data() + c.begin, c.end - c.begin);
    duk_put_prop_index(env, -2, at++);
    duk_push_lstring(env, breaks.data(), breaks.size());
    duk_put_prop_index(env, -2, at++);
  }
  duk_put_prop_string(env, -2, kCandidatesKey);
  duk_pop(env);
  return true;
}

void PushSourceRegistry(duk_context* env) {
  duk_push_global_object(env);
  duk_get_prop_string(env, -1, kRegistryKey);
  duk_remove(env, -2);
}

}  // namespace stockade::worker
