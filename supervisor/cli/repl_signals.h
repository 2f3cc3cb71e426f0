// Ctrl-C (and SIGTERM, SIGHUP) for `stockade repl`, which needs them to
// mean different things at the prompt and during a run.
//
// At the prompt a Ctrl-C drops the line being typed: the handler is
// installed without SA_RESTART, so libedit's read returns, and
// TakeInterrupt() tells the line reader why. During a run (between
// RunGuard's construction and destruction) the first Ctrl-C asks the
// daemon to cancel the run — from the canceller's thread, since a signal
// handler can do nothing of the sort — and a second one leaves at once with
// CANCELLED's exit code; the run then ends on the daemon by its limits.
// SIGTERM and SIGHUP end the REPL: at the prompt through the read
// returning (QuitRequested()), so that libedit restores the terminal.
//
// Handlers only set flags and write(2). One REPL per process.
#pragma once

#include <mutex>
#include <string>
#include <thread>

#include "supervisor/cli/http_client.h"

namespace stockade::supervisor {

// Installs the handlers for the prompt. Call once, before the first read.
void InstallReplSignalHandlers();

// True (once) after a Ctrl-C at the prompt; true for good after SIGTERM or
// SIGHUP.
bool TakeInterrupt();
bool QuitRequested();

// Cancels the run in flight on the daemon (DELETE /v1/executions/{id}) on
// a connection of its own: the main one is busy following the run.
class Canceller {
 public:
  Canceller(std::string url, HttpHeaders auth);
  ~Canceller();
  Canceller(const Canceller&) = delete;
  Canceller& operator=(const Canceller&) = delete;

  // The run to cancel; "" before the daemon has named it.
  void SetExecution(const std::string& id);

 private:
  void Loop();

  std::string url_;
  HttpHeaders auth_;
  int read_fd_ = -1;
  std::mutex mu_;
  std::string id_;
  std::thread thread_;
};

// Brackets one run: Ctrl-C cancels it meanwhile, and the handlers restart
// interrupted calls (the HTTP client's, the console's writes).
class RunGuard {
 public:
  explicit RunGuard(Canceller& canceller);
  ~RunGuard();
  RunGuard(const RunGuard&) = delete;
  RunGuard& operator=(const RunGuard&) = delete;

 private:
  Canceller& canceller_;
};

}  // namespace stockade::supervisor
