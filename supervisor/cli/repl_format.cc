#include "supervisor/cli/repl_format.h"

#include <algorithm>
#include <cstdio>

#include "policy/outcome.h"

namespace stockade::supervisor {
namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Characters, not bytes: what padding must count for names and code that
// are not ASCII.
std::size_t Width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return !IsContinuationByte(c); }));
}

std::string PadRight(std::string s, std::size_t width) {
  const std::size_t w = Width(s);
  if (w < width) s.append(width - w, ' ');
  return s;
}

// What a record's run came to, in one line: the value, or the error.
std::string Outcome(const api::ExecutionResult& r) {
  if (r.status() == api::OK) return r.value_json().empty() ? "undefined" : r.value_json();
  if (r.status() == api::RUNTIME_ERROR || r.status() == api::SYNTAX_ERROR) {
    return (r.error().name().empty() ? std::string("Error") : r.error().name()) + ": " + r.error().message();
  }
  return r.detail();
}

constexpr std::size_t kCodeChars = 40;
constexpr std::size_t kOutcomeChars = 60;
constexpr std::size_t kNameChars = 32;

}  // namespace

std::string HumanBytes(std::uint64_t bytes) {
  if (bytes < 10 * 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  char buf[32];
  const double kib = static_cast<double>(bytes) / 1024.0;
  if (kib < 1024.0) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", kib);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MiB", kib / 1024.0);
  }
  return buf;
}

std::string OneLine(std::string_view text, std::size_t max_chars) {
  const std::size_t newline = text.find('\n');
  bool cut = newline != std::string_view::npos && newline + 1 < text.size();
  std::string_view line = text.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (!IsContinuationByte(c)) {
      if (chars == max_chars) {
        cut = true;
        break;
      }
      ++chars;
    }
    out.push_back(c == '\t' ? ' ' : c);
  }
  if (cut) out += "...";
  return out;
}

std::string FormatSession(const api::Session& s) {
  std::string out = "session   " + s.id() + "\n";
  out += "created   " + s.created_at() + "\n";
  if (!s.last_active_at().empty() && s.last_active_at() != s.created_at()) {
    out += "last run  " + s.last_active_at() + "\n";
  }
  out += "expires   " + s.expires_at() + " (unless used again)\n";
  out += "runs      " + std::to_string(s.executions()) + "\n";
  const int n = s.variables_size();
  out += "state     " + HumanBytes(s.state_bytes());
  out += n == 0 ? ", no variables\n" : " in " + std::to_string(n) + (n == 1 ? " variable\n" : " variables\n");
  std::size_t width = 0;
  for (const api::SessionVariable& v : s.variables()) width = std::max(width, Width(OneLine(v.name(), kNameChars)));
  for (const api::SessionVariable& v : s.variables()) {
    out += "  " + PadRight(OneLine(v.name(), kNameChars), width) + "  " + HumanBytes(v.bytes()) + "\n";
  }
  return out;
}

std::string FormatHistory(const api::SessionHistory& h) {
  if (h.records_size() == 0) return "no runs yet\n";
  std::size_t seq_width = 0, status_width = 0, code_width = 0;
  for (const api::SessionHistoryRecord& r : h.records()) {
    seq_width = std::max(seq_width, std::to_string(r.seq()).size() + 1);
    status_width = std::max(status_width, policy::StatusName(r.result().status()).size());
    code_width = std::max(code_width, Width(OneLine(r.code(), kCodeChars)));
  }
  std::string out;
  for (const api::SessionHistoryRecord& r : h.records()) {
    std::string seq = "#" + std::to_string(r.seq());
    out += std::string(seq_width - seq.size(), ' ') + seq + "  ";
    out += PadRight(std::string(policy::StatusName(r.result().status())), status_width) + "  ";
    out += PadRight(OneLine(r.code(), kCodeChars), code_width) + "  ";
    out += OneLine(Outcome(r.result()), kOutcomeChars);
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n";
  }
  return out;
}

std::string RunNotes(const api::ExecutionResult& result) {
  if (!result.has_session()) return "";
  const api::SessionInfo& s = result.session();
  std::string out;
  if (s.committed() && s.dropped_size() > 0) {
    out = "[stockade] not kept: ";
    for (int i = 0; i < s.dropped_size(); ++i) out += (i ? ", " : "") + s.dropped(i);
    out += "\n";
  }
  // Nothing ran for a syntax error: saying so again would be noise.
  if (!s.committed() && result.status() != api::SYNTAX_ERROR) {
    out += "[stockade] the session is as it was before this run\n";
  }
  return out;
}

}  // namespace stockade::supervisor
