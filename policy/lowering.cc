#include "policy/lowering.h"

#include <algorithm>

#include "policy/json_string.h"

namespace stockade::policy {

std::optional<Language> ParseLanguage(std::string_view name) {
  if (name.empty() || name == "javascript") return Language::kJavaScript;
  if (name == "typescript") return Language::kTypeScript;
  return std::nullopt;
}

std::string_view LanguageName(Language language) {
  return language == Language::kTypeScript ? "typescript" : "javascript";
}

Language LanguageForFilename(std::string_view filename) {
  for (std::string_view ext : {".ts", ".tsx", ".mts", ".cts"}) {
    if (filename.size() > ext.size() && filename.substr(filename.size() - ext.size()) == ext) {
      return Language::kTypeScript;
    }
  }
  return Language::kJavaScript;
}

bool ShouldLowerAfter(const api::ExecutionResult& result, Language language, const Policy& policy) {
  return policy.lowering().enabled() && language == Language::kJavaScript &&
         result.status() == api::SYNTAX_ERROR;
}

std::string LoweringCall(std::string_view source, Language language, std::string_view filename) {
  std::string call = "__stockade_lower(";
  call.reserve(source.size() + filename.size() + 64);
  AppendJsonString(source, &call);
  call += ", \"";
  call += LanguageName(language);
  call += "\", ";
  AppendJsonString(filename, &call);
  call += ")";
  return call;
}

Policy CompilerPoolPolicy(const Policy& policy) {
  Policy p = policy;
  const LoweringPolicy& lw = policy.lowering();
  p.set_name(policy.name() + " (compiler)");
  p.mutable_pool()->set_size(lw.workers());
  p.mutable_pool()->set_max_size(lw.workers());
  LimitsPolicy* l = p.mutable_limits();
  l->set_timeout_ms(lw.timeout_ms());
  l->set_max_timeout_ms(std::max(lw.timeout_ms(), l->max_timeout_ms()));
  l->set_memory_bytes(lw.heap_bytes());
  l->set_max_memory_bytes(lw.heap_bytes());
  // The lowered program and its diagnostics, as JSON: a few times the
  // largest source we accept, within the frame cap.
  const std::uint64_t result = std::min<std::uint64_t>(32u << 20, std::max<std::uint64_t>(1u << 20, 8 * l->code_bytes()));
  l->set_result_bytes(result);
  // The call itself: the source escaped as a JSON string (at most six
  // bytes per byte) plus the file name.
  l->set_code_bytes(6 * l->code_bytes() + 4096);
  RecyclePolicy* r = p.mutable_recycle();
  r->set_max_executions(lw.max_lowerings());
  r->set_max_heap_bytes(lw.heap_bytes());
  r->set_max_rss_bytes(std::max<std::uint64_t>(r->max_rss_bytes(), lw.heap_bytes() + (64u << 20)));
  r->set_after_error(false);
  r->set_max_error_percent(0);
  p.clear_redaction();
  p.mutable_redaction()->set_enabled(false);
  return p;
}

namespace {

std::uint32_t SourceLine(const std::vector<std::uint32_t>& lines, std::uint64_t lowered) {
  if (lowered == 0) return 0;
  for (std::uint64_t i = std::min<std::uint64_t>(lowered, lines.size()); i > 0; --i) {
    if (lines[i - 1] != 0) return lines[i - 1];
  }
  return 0;
}

}  // namespace

void MapLoweredLines(const std::vector<std::uint32_t>& lines, std::string_view filename, api::ScriptError* error) {
  error->set_line(SourceLine(lines, error->line()));
  if (!error->excerpt().empty()) {
    error->clear_excerpt();
    error->set_column(0);
  }
  const std::string& stack = error->stack();
  if (stack.empty() || filename.empty()) return;
  const std::string open = "(" + std::string(filename) + ":";
  std::string out;
  out.reserve(stack.size());
  std::size_t at = 0;
  for (std::size_t hit = stack.find(open); hit != std::string::npos; hit = stack.find(open, at)) {
    // Only in a frame line ("    at f (file:N)"), not in the message.
    const std::size_t line_start = stack.rfind('\n', hit);
    if (line_start == std::string::npos || stack.compare(line_start + 1, 7, "    at ") != 0) {
      out.append(stack, at, hit + open.size() - at);
      at = hit + open.size();
      continue;
    }
    std::size_t digits = hit + open.size();
    std::uint64_t n = 0;
    std::size_t end = digits;
    while (end < stack.size() && end - digits < 10 && stack[end] >= '0' && stack[end] <= '9') {
      n = n * 10 + static_cast<unsigned>(stack[end++] - '0');
    }
    if (end == digits || end >= stack.size() || stack[end] != ')') {  // not a frame's position
      out.append(stack, at, digits - at);
      at = digits;
      continue;
    }
    out.append(stack, at, hit - at);
    out += "(" + std::string(filename);
    if (const std::uint32_t line = SourceLine(lines, n)) out += ":" + std::to_string(line);
    at = end;  // the ')' is copied with what follows
  }
  out.append(stack, at, std::string::npos);
  error->set_stack(std::move(out));
}

}  // namespace stockade::policy
