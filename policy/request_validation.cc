#include "policy/request_validation.h"

#include "policy/lowering.h"

namespace stockade::policy {

std::size_t FindInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;       // no overlong forms
      if (c == 0xED) hi = 0x9F;       // no UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;       // nothing past U+10FFFF
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

namespace {

bool IsIdentChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         c >= 0x80;
}

// After these words an expression starts, so "/" opens a regular expression.
bool KeywordBeforeExpression(std::string_view word) {
  static constexpr std::string_view kWords[] = {"return", "typeof", "instanceof", "in", "of", "new",
                                                "delete", "void", "throw", "case", "do", "else", "yield",
                                                "await"};
  for (std::string_view w : kWords) {
    if (w == word) return true;
  }
  return false;
}

}  // namespace

std::optional<NestingExcess> FindNestingExcess(std::string_view code, std::uint32_t limit) {
  // What each open bracket is; '$' marks a template substitution, whose
  // closing brace resumes the template text.
  std::string open;
  std::size_t line = 1, line_start = 0;
  bool regex_allowed = true;  // at the start, an expression may begin
  std::string_view last_word;
  const std::size_t n = code.size();
  std::size_t i = 0;
  // Scans template text from i (just after ` or }) to the closing ` or ${.
  auto template_text = [&]() {
    while (i < n) {
      const char c = code[i];
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '\n') {
        ++line;
        line_start = i + 1;
      }
      if (c == '`') {
        ++i;
        regex_allowed = false;
        return false;  // template ended
      }
      if (c == '$' && i + 1 < n && code[i + 1] == '{') {
        i += 2;
        return true;  // a substitution opens
      }
      ++i;
    }
    return false;
  };
  auto push = [&](char kind, std::size_t at) -> std::optional<NestingExcess> {
    open.push_back(kind);
    if (open.size() > limit) return NestingExcess{line, at - line_start + 1};
    return std::nullopt;
  };
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(code[i]);
    if (c == '\n') {
      ++line;
      line_start = ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && code[i + 1] == '/') {
      while (i < n && code[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && code[i + 1] == '*') {
      i += 2;
      while (i < n && !(code[i] == '*' && i + 1 < n && code[i + 1] == '/')) {
        if (code[i] == '\n') {
          ++line;
          line_start = i + 1;
        }
        ++i;
      }
      i += 2;
      continue;
    }
    if (c == '\'' || c == '"') {
      for (++i; i < n && code[i] != static_cast<char>(c) && code[i] != '\n'; ++i) {
        if (code[i] == '\\') ++i;
      }
      ++i;
      regex_allowed = false;
      continue;
    }
    if (c == '`') {
      ++i;
      if (template_text()) {
        if (auto e = push('$', i - 2)) return e;
        regex_allowed = true;
      }
      continue;
    }
    if (c == '/' && regex_allowed) {
      bool in_class = false;
      for (++i; i < n && code[i] != '\n'; ++i) {
        if (code[i] == '\\') {
          ++i;
        } else if (code[i] == '[') {
          in_class = true;
        } else if (code[i] == ']') {
          in_class = false;
        } else if (code[i] == '/' && !in_class) {
          break;
        }
      }
      ++i;
      while (i < n && IsIdentChar(static_cast<unsigned char>(code[i]))) ++i;  // flags
      regex_allowed = false;
      continue;
    }
    if (IsIdentChar(c)) {
      const std::size_t start = i;
      while (i < n && IsIdentChar(static_cast<unsigned char>(code[i]))) ++i;
      last_word = code.substr(start, i - start);
      regex_allowed = KeywordBeforeExpression(last_word);
      continue;
    }
    if (c == '(' || c == '[' || c == '{') {
      if (auto e = push(static_cast<char>(c), i)) return e;
      ++i;
      regex_allowed = true;
      continue;
    }
    if (c == ')' || c == ']' || c == '}') {
      const bool substitution = c == '}' && !open.empty() && open.back() == '$';
      if (!open.empty()) open.pop_back();
      ++i;
      if (substitution) {
        if (template_text()) {
          if (auto e = push('$', i - 2)) return e;
          regex_allowed = true;
        }
        continue;
      }
      // After ")" a regex can follow only in forms like `if (x) /re/`,
      // rare enough to ignore: a misread there only shifts the count.
      regex_allowed = c == '}';
      continue;
    }
    // Any other punctuator: an expression may follow.
    ++i;
    regex_allowed = true;
  }
  return std::nullopt;
}

std::optional<Rejection> ValidateRequest(const api::ExecuteRequest& request, const Policy& policy) {
  // The file name is shown in stacks and errors, and the standard library's
  // own frames go by "prelude" (they are dropped from stacks by that name).
  const std::string& filename = request.filename();
  if (filename.size() > kMaxFilenameBytes) {
    return Rejection{api::INVALID_REQUEST,
                     "filename is " + std::to_string(filename.size()) + " bytes; at most " +
                         std::to_string(kMaxFilenameBytes)};
  }
  for (unsigned char c : filename) {
    if (c < 0x20 || c == 0x7f) {
      return Rejection{api::INVALID_REQUEST, "filename must not hold control characters"};
    }
  }
  if (filename == "prelude" || FindInvalidUtf8(filename) != std::string_view::npos) {
    return Rejection{api::INVALID_REQUEST, "filename must be valid UTF-8 and not \"prelude\" (reserved)"};
  }
  const auto language = ParseLanguage(request.language());
  if (!language) {
    return Rejection{api::INVALID_REQUEST, "language must be \"javascript\" or \"typescript\""};
  }
  if (*language == Language::kTypeScript && !policy.lowering().enabled()) {
    return Rejection{api::INVALID_REQUEST,
                     "TypeScript is lowered to JavaScript before it runs, which this policy turns off "
                     "(lowering.enabled)"};
  }
  const std::string& code = request.code();
  const std::uint64_t cap = policy.limits().code_bytes();
  if (code.size() > cap) {
    return Rejection{api::INVALID_REQUEST, "code is " + std::to_string(code.size()) +
                                               " bytes; the policy allows " + std::to_string(cap)};
  }
  if (const std::size_t at = FindInvalidUtf8(code); at != std::string_view::npos) {
    return Rejection{api::INVALID_REQUEST,
                     "code is not valid UTF-8 (first bad byte at offset " + std::to_string(at) + ")"};
  }
  if (const std::size_t at = code.find('\0'); at != std::string::npos) {
    return Rejection{api::INVALID_REQUEST,
                     "code contains a NUL byte at offset " + std::to_string(at)};
  }
  // Not "the policy allows": the daemon answers that phrase with 413.
  const std::uint32_t depth = policy.limits().max_nesting_depth();
  if (depth > 0) {
    if (auto excess = FindNestingExcess(code, depth)) {
      return Rejection{api::INVALID_REQUEST, "code nests brackets more than " + std::to_string(depth) +
                                                 " deep (line " + std::to_string(excess->line) + ", column " +
                                                 std::to_string(excess->column) +
                                                 "); the limit is limits.max_nesting_depth"};
    }
  }
  return std::nullopt;
}

}  // namespace stockade::policy
