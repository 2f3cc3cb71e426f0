#include "supervisor/cli/line_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <editline/readline.h>

#include "supervisor/cli/output.h"

namespace stockade::supervisor {
namespace {

// Enough to find what one typed last week; write_history rewrites the
// whole file after each input, which stays cheap at this size.
constexpr int kHistoryEntries = 1000;

class EditLineReader : public LineReader {
 public:
  EditLineReader(std::string history_path, std::function<bool()> interrupted)
      : path_(std::move(history_path)), interrupted_(std::move(interrupted)) {
    // Our SIGINT handler, not libedit's: libedit's re-sends the signal to
    // the whole process group, and we want the read to return instead.
    rl_catch_signals = 0;
    rl_readline_name = "stockade";  // for $if stockade in ~/.editrc
    rl_initialize();
    // Tab inserts a tab: completing file names, libedit's default, means
    // nothing inside JavaScript.
    rl_bind_key('\t', rl_insert);
    using_history();
    stifle_history(kHistoryEntries);
    if (!path_.empty()) read_history(path_.c_str());  // a missing file is a first run
  }

  Result Read(const std::string& prompt, std::string* line) override {
    char* text = readline(prompt.c_str());
    if (text == nullptr) return interrupted_() ? Result::kInterrupted : Result::kEnd;
    *line = text;
    std::free(text);
    // A Ctrl-C that came after the line was complete is for the next one.
    (void)interrupted_();
    return Result::kLine;
  }

  void Remember(const std::string& line) override {
    add_history(line.c_str());
    if (path_.empty()) return;
    // Made 0600 before libedit writes it (fopen would use 0666 & umask);
    // an existing file keeps the mode its owner gave it.
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (!warned_) WriteAll(STDERR_FILENO, "[stockade] cannot write the history file " + path_ + "\n");
      warned_ = true;
      return;
    }
    ::close(fd);
    write_history(path_.c_str());
  }

 private:
  std::string path_;
  std::function<bool()> interrupted_;
  bool warned_ = false;
};

class PlainLineReader : public LineReader {
 public:
  PlainLineReader(bool echo, std::function<bool()> interrupted) : echo_(echo), interrupted_(std::move(interrupted)) {}

  Result Read(const std::string& prompt, std::string* line) override {
    if (!std::getline(std::cin, *line)) {
      if (!interrupted_()) return Result::kEnd;
      std::cin.clear();  // a read cut short by Ctrl-C is not the end
      clearerr(stdin);
      return Result::kInterrupted;
    }
    if (!line->empty() && line->back() == '\r') line->pop_back();
    if (echo_) WriteAll(STDOUT_FILENO, prompt + *line + "\n");
    return Result::kLine;
  }

  void Remember(const std::string&) override {}

 private:
  bool echo_;
  std::function<bool()> interrupted_;
};

}  // namespace

std::unique_ptr<LineReader> LineReader::ForTerminal(const std::string& history_path,
                                                    std::function<bool()> interrupted) {
  return std::make_unique<EditLineReader>(history_path, std::move(interrupted));
}

std::unique_ptr<LineReader> LineReader::Plain(bool echo, std::function<bool()> interrupted) {
  return std::make_unique<PlainLineReader>(echo, std::move(interrupted));
}

std::string DefaultHistoryPath() {
  if (const char* p = std::getenv("STOCKADE_HISTORY"); p && *p) return p;
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.stockade_history";
  return "";
}

}  // namespace stockade::supervisor
