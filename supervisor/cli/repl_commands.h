// The REPL's own commands: a line starting with '.' and a name (".help",
// ".history 5") is one of them, not JavaScript — no program starts with a
// dot followed by a letter (".5" is a number and stays code).
//
// Parsing is apart from doing, so the vocabulary and its mistakes (an
// unknown name, a bad count, an argument where none belongs) are tested
// without a daemon; repl.cc does what a command says.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stockade::supervisor {

struct DotCommand {
  enum class Kind {
    kHelp,     // .help
    kSession,  // .session: the session's id, times, runs, state and variables
    kHistory,  // .history [N]: the last N runs (default kDefaultHistory)
    kNew,      // .new: start a new session (the old one stays until it expires)
    kDelete,   // .delete: delete this session and start a new one
    kBreak,    // .break: abandon the input being typed
    kExit,     // .exit (and Ctrl-D)
    kInvalid,  // a mistake: `error` says which
  };
  static constexpr std::uint32_t kDefaultHistory = 10;

  Kind kind = Kind::kInvalid;
  std::uint32_t count = 0;  // kHistory
  std::string error;        // kInvalid: "unknown command .foo (.help lists them)"
};

// nullopt when `line` is code. Leading and trailing blanks are ignored.
std::optional<DotCommand> ParseDotCommand(std::string_view line);

// What .help prints.
std::string DotCommandHelp();

}  // namespace stockade::supervisor
