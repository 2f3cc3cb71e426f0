#include "supervisor/cli/output.h"

#include <algorithm>

#include <unistd.h>

#include <google/protobuf/util/json_util.h>

#include "policy/outcome.h"

namespace stockade::supervisor {

void WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = ::write(fd, s.data(), s.size());
    if (n <= 0) return;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

void PrintConsoleLine(const api::ConsoleLine& line) {
  WriteAll(line.stream() == api::STDERR ? STDERR_FILENO : STDOUT_FILENO, line.text() + "\n");
}

std::string HumanFailure(const api::ExecutionResult& r) {
  std::string out;
  const auto& e = r.error();
  if (r.status() == api::RUNTIME_ERROR || r.status() == api::SYNTAX_ERROR) {
    out = e.name().empty() ? "Error" : e.name();
    out += ": " + e.message();
    // Duktape's syntax messages already end in "(line N)".
    if (e.line() > 0 && e.message().find("(line ") == std::string::npos) {
      out += " (line " + std::to_string(e.line());
      if (e.column() > 0) out += ", column " + std::to_string(e.column());
      out += ")";
    }
    out += "\n";
    if (!e.excerpt().empty()) out += e.excerpt() + "\n";
    if (!e.stack().empty() && r.status() == api::RUNTIME_ERROR) out += e.stack() + "\n";
  } else {
    out = std::string(policy::StatusName(r.status()));
    if (!r.violation_syscall().empty()) out += " (" + r.violation_syscall() + ")";
    if (!r.detail().empty()) out += ": " + r.detail();
    if (r.retry_after_ms() > 0) out += " (retry after " + std::to_string(r.retry_after_ms()) + " ms)";
    out += "\n";
  }
  return out;
}

std::string RedactionNote(const api::Redactions& r) {
  std::string out = "[stockade] redacted:";
  const char* sep = " ";
  constexpr int kShown = 10;
  for (int i = 0; i < r.paths_size() && i < kShown; ++i, sep = ", ") out += sep + r.paths(i);
  const std::uint64_t more_paths =
      static_cast<std::uint64_t>(std::max(0, r.paths_size() - kShown)) + r.paths_omitted();
  if (more_paths > 0) out += std::string(sep) + "and " + std::to_string(more_paths) + " more paths";
  if (r.console_lines_size() > 0) {
    out += std::string(sep) + (r.console_lines_size() == 1 ? "console line" : "console lines");
    for (int i = 0; i < r.console_lines_size() && i < kShown; ++i) {
      out += (i ? ", " : " ") + std::to_string(r.console_lines(i));
    }
    if (r.console_lines_size() > kShown) out += " and more";
    sep = ", ";
  }
  if (r.error()) out += std::string(sep) + "the error", sep = ", ";
  if (r.detail()) out += std::string(sep) + "the detail";
  return out + "\n";
}

int PrintResult(const api::ExecutionResult& result, bool json) {
  if (json) {
    google::protobuf::util::JsonPrintOptions opts;
    opts.always_print_primitive_fields = true;
    std::string text;
    (void)google::protobuf::util::MessageToJsonString(result, &text, opts);
    WriteAll(STDOUT_FILENO, text + "\n");
  } else {
    if (result.output().truncated()) {
      WriteAll(STDERR_FILENO, "[stockade] console output truncated: " +
                                  std::to_string(result.output().total_bytes()) + " bytes produced, " +
                                  std::to_string(result.output().kept_bytes()) + " kept\n");
    }
    if (result.value().truncated()) {
      WriteAll(STDERR_FILENO, "[stockade] result truncated: " +
                                  std::to_string(result.value().total_bytes()) +
                                  (result.value().total_is_lower_bound() ? "+" : "") +
                                  " bytes of JSON, " +
                                  (result.value().total_is_lower_bound() ? "its head" : "head and tail") +
                                  " kept in " + std::to_string(result.value().kept_bytes()) +
                                  " bytes\n");
    }
    if (result.has_redactions()) WriteAll(STDERR_FILENO, RedactionNote(result.redactions()));
    if (result.status() == api::OK) {
      WriteAll(STDOUT_FILENO, (result.value_json().empty() ? "undefined" : result.value_json()) + "\n");
    } else {
      WriteAll(STDERR_FILENO, HumanFailure(result));
    }
  }
  return policy::ExitCodeFor(result.status());
}

}  // namespace stockade::supervisor
