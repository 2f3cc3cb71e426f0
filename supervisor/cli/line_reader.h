// LineReader: where `stockade repl` gets its lines.
//
// On a terminal it is libedit (BSD licence; its readline-compatible API):
// line editing, and a history file kept across runs (~/.stockade_history,
// or $STOCKADE_HISTORY; none when neither HOME nor that is set). The file
// holds code people typed, which may hold secrets, so it is created 0600.
//
// When stdin is not a terminal (a pipe, a file, a test) libedit stays out:
// lines are read plainly, no prompts, no history, nothing written that the
// reader did not ask for — unless `echo` is set, which prints each prompt
// and the line after it, so a piped session reads like one typed by hand
// (transcripts for documentation, demos).
//
// Ctrl-C: the REPL's SIGINT handler (installed without SA_RESTART, and
// libedit's own signal handling turned off, so the read returns EINTR)
// makes `interrupted` answer true; Read() then answers kInterrupted and the
// line typed so far is dropped.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace stockade::supervisor {

class LineReader {
 public:
  enum class Result { kLine, kInterrupted, kEnd };

  // `interrupted`: true (once) after a Ctrl-C.
  static std::unique_ptr<LineReader> ForTerminal(const std::string& history_path, std::function<bool()> interrupted);
  static std::unique_ptr<LineReader> Plain(bool echo, std::function<bool()> interrupted);

  virtual ~LineReader() = default;
  // One line without its newline.
  virtual Result Read(const std::string& prompt, std::string* line) = 0;
  // Adds a line to the history (and its file); nothing when there is none.
  virtual void Remember(const std::string& line) = 0;
};

// $STOCKADE_HISTORY, else $HOME/.stockade_history, else "" (no file).
std::string DefaultHistoryPath();

}  // namespace stockade::supervisor
