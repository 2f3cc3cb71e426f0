#include "supervisor/cli/repl_commands.h"

#include <charconv>

namespace stockade::supervisor {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

DotCommand Invalid(std::string error) {
  DotCommand c;
  c.error = std::move(error);
  return c;
}

// The largest .history asks for; the daemon keeps at most
// sessions.history_records anyway.
constexpr std::uint32_t kMaxHistory = 10'000;

}  // namespace

std::optional<DotCommand> ParseDotCommand(std::string_view line) {
  line = Trim(line);
  if (line.size() < 2 || line[0] != '.' || !IsLetter(line[1])) return std::nullopt;
  const std::size_t space = line.find_first_of(" \t");
  const std::string_view name = line.substr(1, space == std::string_view::npos ? std::string_view::npos : space - 1);
  const std::string_view arg = space == std::string_view::npos ? std::string_view() : Trim(line.substr(space));

  struct Entry {
    std::string_view name;
    DotCommand::Kind kind;
  };
  static constexpr Entry kCommands[] = {
      {"help", DotCommand::Kind::kHelp},     {"session", DotCommand::Kind::kSession},
      {"history", DotCommand::Kind::kHistory}, {"new", DotCommand::Kind::kNew},
      {"delete", DotCommand::Kind::kDelete}, {"break", DotCommand::Kind::kBreak},
      {"exit", DotCommand::Kind::kExit},
  };
  for (const Entry& e : kCommands) {
    if (e.name != name) continue;
    DotCommand c;
    c.kind = e.kind;
    if (e.kind == DotCommand::Kind::kHistory) {
      c.count = DotCommand::kDefaultHistory;
      if (!arg.empty()) {
        std::uint32_t n = 0;
        const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
        if (ec != std::errc() || end != arg.data() + arg.size() || n == 0 || n > kMaxHistory) {
          return Invalid(".history takes a count from 1 to " + std::to_string(kMaxHistory) + ", not \"" +
                         std::string(arg) + "\"");
        }
        c.count = n;
      }
    } else if (!arg.empty()) {
      return Invalid("." + std::string(name) + " takes no argument");
    }
    return c;
  }
  return Invalid("unknown command ." + std::string(name) + " (.help lists them)");
}

std::string DotCommandHelp() {
  return ".help        this list\n"
         ".session     this session: id, when it expires, runs, state and variables\n"
         ".history [N] the last N runs in this session (default " +
         std::to_string(DotCommand::kDefaultHistory) +
         ")\n"
         ".new         start a new session (this one stays until it expires)\n"
         ".delete      delete this session and start a new one\n"
         ".break       abandon the input being typed (so does an empty line)\n"
         ".exit        leave (so does Ctrl-D)\n"
         "An input that ends inside brackets, a template literal or a comment, or after an\n"
         "operator, continues on the next line (the ... prompt). Each input runs as one\n"
         "script in the session: its top-level declarations are kept, _ is the last value.\n";
}

}  // namespace stockade::supervisor
