#include "supervisor/cli/repl.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "policy/lowering.h"
#include "policy/outcome.h"
#include "proto/api.pb.h"
#include "supervisor/cli/api_client.h"
#include "supervisor/cli/flags.h"
#include "supervisor/cli/line_reader.h"
#include "supervisor/cli/output.h"
#include "supervisor/cli/repl_commands.h"
#include "supervisor/cli/repl_format.h"
#include "supervisor/cli/repl_input.h"
#include "supervisor/cli/repl_signals.h"

namespace stockade::supervisor {
namespace {

constexpr char kUsage[] =
    "usage: stockade repl [--session ID] [--url URL] [options]\n"
    "  An interactive JavaScript/TypeScript prompt on a session of a running `stockade serve`:\n"
    "  top-level declarations persist between inputs, _ is the last value. Type .help inside.\n"
    "options:\n"
    "  --url URL         the daemon: http://HOST:PORT or unix:/PATH\n"
    "                    (default: $STOCKADE_URL, else http://127.0.0.1:8080)\n"
    "  --key K           API key (default: $STOCKADE_API_KEY)\n"
    "  --session ID      attach to this session (default: make a new one and print its id)\n"
    "  --language L      javascript|typescript (default javascript)\n"
    "  --timeout T       per-run timeout, e.g. 500ms, 2s (clamped to the daemon's policy)\n"
    "  --memory M        interpreter heap, e.g. 64M (clamped to the daemon's policy)\n"
    "  --output M        console output kept, e.g. 1M (clamped to the daemon's policy)\n"
    "  --echo            with stdin not a terminal, print each prompt and line as if typed\n"
    "On a terminal: line editing and history in ~/.stockade_history ($STOCKADE_HISTORY);\n"
    "an empty line abandons an unfinished input. From a pipe: no prompts, no history;\n"
    "only .break abandons, and an input still open at the end is sent as it is.\n";

// `stockade serve`'s default --listen.
constexpr char kDefaultUrl[] = "http://127.0.0.1:8080";

// How long a run's event stream may stay silent (as in `stockade exec`):
// the run's own timeout plus slack, or generous without one — and a run
// may wait behind others in its session first.
constexpr std::chrono::milliseconds kStreamSlack{60'000};
constexpr std::chrono::milliseconds kStreamIdleDefault{600'000};

int Usage(const std::string& error) {
  if (!error.empty()) std::fprintf(stderr, "stockade repl: %s\n", error.c_str());
  std::fputs(kUsage, stderr);
  return 2;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// ---- The REPL ----

struct Options {
  std::string url, key, session;
  bool echo = false;
  std::uint32_t timeout_ms = 0;
  api::CreateExecutionRequest base;  // language and limits for every run
};

class Repl {
 public:
  Repl(ApiClient client, const Options& options, bool terminal)
      : client_(std::move(client)),
        options_(options),
        terminal_(terminal),
        interactive_(terminal || options.echo),
        canceller_(client_.url(), client_.auth()) {}

  // Attaches to --session or makes a new one; the exit code on failure.
  std::optional<int> Start() {
    if (!options_.session.empty()) {
      auto s = client_.GetSession(options_.session);
      if (!s.ok()) return Fail(s.error, options_.session);
      session_ = s->id();
      Banner("attached: " + std::to_string(s->executions()) + (s->executions() == 1 ? " run, " : " runs, ") +
             std::to_string(s->variables_size()) + (s->variables_size() == 1 ? " variable" : " variables"));
    } else {
      auto s = client_.CreateSession();
      if (!s.ok()) return Fail(s.error, "");
      session_ = s->id();
      Banner("new");
    }
    if (interactive_) Say(".help lists the commands; Ctrl-D leaves.\n");
    return std::nullopt;
  }

  void Loop() {
    std::unique_ptr<LineReader> reader = terminal_ ? LineReader::ForTerminal(DefaultHistoryPath(), TakeInterrupt)
                                                   : LineReader::Plain(options_.echo, TakeInterrupt);
    std::string input;  // the lines of an unfinished input
    std::string line;
    for (;;) {
      const LineReader::Result got = reader->Read(input.empty() ? "> " : "... ", &line);
      if (QuitRequested()) break;
      if (got == LineReader::Result::kInterrupted) {
        input.clear();
        if (terminal_) Say("\n");
        continue;
      }
      if (got == LineReader::Result::kEnd) {
        if (terminal_) Say("\n");
        // From a pipe, an input still open at the end is sent: the daemon
        // says what is wrong with it, instead of it vanishing.
        if (!terminal_ && !input.empty()) Run(input);
        break;
      }
      if (!Trim(line).empty()) reader->Remember(line);
      const std::optional<DotCommand> command = ParseDotCommand(line);
      if (!input.empty()) {
        const bool abandon = (command && command->kind == DotCommand::Kind::kBreak) ||
                             (terminal_ && Trim(line).empty());
        if (abandon) {
          input.clear();
          continue;
        }
        input += "\n" + line;
      } else if (command) {
        if (!Do(*command)) break;
        continue;
      } else if (Trim(line).empty()) {
        continue;
      } else {
        input = line;
      }
      if (InputIsComplete(input)) {
        Run(input);
        input.clear();
      }
    }
  }

 private:
  void Say(const std::string& text) const { WriteAll(STDOUT_FILENO, text); }
  void Note(const std::string& text) const { WriteAll(STDERR_FILENO, text); }

  void Banner(const std::string& how) const {
    if (interactive_) {
      Say("stockade repl: session " + session_ + " (" + how + ") on " + client_.url() + "\n");
    } else {
      Note("[stockade] session " + session_ + " (" + how + ")\n");
    }
  }

  // A failed call to the daemon in a person's words: what happened and
  // what to do about it.
  std::string Explain(const ApiError& e, const std::string& session) const {
    if (e.http_status == 0) {
      return e.message + " (is `stockade serve` running there? --url or $STOCKADE_URL say where)";
    }
    if (e.status == api::UNAUTHORIZED) {
      return "the daemon refused the request (" + e.message + "): pass --key K or set STOCKADE_API_KEY";
    }
    if (e.http_status == 404 && e.message == "no such route") {
      return "the daemon at " + client_.url() + " has no sessions API (an older `stockade serve`?)";
    }
    if (e.http_status == 404 && !session.empty()) {
      return "no session " + session + " (expired, deleted, or another key's)";
    }
    return std::string(policy::StatusName(e.status)) + ": " + e.message +
           (e.retry_after_ms > 0 ? " (retry after " + std::to_string(e.retry_after_ms) + " ms)" : "");
  }

  int Fail(const ApiError& e, const std::string& session) const {
    Note("stockade repl: " + Explain(e, session) + "\n");
    return policy::ExitCodeFor(e.status);
  }

  // One input, run in the session and printed as `stockade exec` prints.
  void Run(const std::string& code) {
    api::CreateExecutionRequest request = options_.base;
    request.set_code(code);
    request.set_session_id(session_);
    ExecuteCallbacks callbacks;
    callbacks.on_submitted = [this](const std::string& id) { canceller_.SetExecution(id); };
    callbacks.on_console = [](const api::ConsoleLine& line) { PrintConsoleLine(line); };
    const auto idle = options_.timeout_ms > 0 ? std::chrono::milliseconds(options_.timeout_ms) + kStreamSlack
                                              : kStreamIdleDefault;
    std::optional<ApiOr<api::ExecutionResult>> result;
    {
      RunGuard guard(canceller_);
      result.emplace(client_.Execute(std::move(request), callbacks, idle));
    }
    if (!result->ok()) {
      Note(Explain(result->error, session_) + "\n");
      if (result->error.http_status == 404) Note(".new starts a new session\n");
      return;
    }
    PrintResult(**result, /*json=*/false);
    Note(RunNotes(**result));
  }

  bool NewSession(const std::string& why) {
    auto s = client_.CreateSession();
    if (!s.ok()) {
      Note(Explain(s.error, "") + "\n");
      return false;
    }
    session_ = s->id();
    Say("session " + session_ + " (new)" + why + "\n");
    return true;
  }

  // False: leave.
  bool Do(const DotCommand& command) {
    switch (command.kind) {
      case DotCommand::Kind::kHelp:
        Say(DotCommandHelp());
        break;
      case DotCommand::Kind::kSession: {
        auto s = client_.GetSession(session_);
        if (s.ok()) Say(FormatSession(*s));
        else Note(Explain(s.error, session_) + "\n");
        break;
      }
      case DotCommand::Kind::kHistory: {
        auto h = client_.History(session_, command.count);
        if (h.ok()) Say(FormatHistory(*h));
        else Note(Explain(h.error, session_) + "\n");
        break;
      }
      case DotCommand::Kind::kNew: {
        const std::string old = session_;
        NewSession("; " + old + " stays until it expires (--session " + old + " attaches to it)");
        break;
      }
      case DotCommand::Kind::kDelete: {
        auto deleted = client_.DeleteSession(session_);
        if (!deleted.ok()) {
          Note(Explain(deleted.error, session_) + "\n");
          break;
        }
        Say("session " + session_ + " deleted\n");
        NewSession("");
        break;
      }
      case DotCommand::Kind::kBreak:
        break;  // nothing being typed
      case DotCommand::Kind::kExit:
        return false;
      case DotCommand::Kind::kInvalid:
        Note(command.error + "\n");
        break;
    }
    return true;
  }

  ApiClient client_;
  Options options_;
  bool terminal_;
  bool interactive_;
  std::string session_;
  Canceller canceller_;
};

}  // namespace

int ReplCommand(int argc, char** argv) {
  Options options;
  if (const char* env = std::getenv("STOCKADE_URL"); env && *env) options.url = env;
  if (const char* env = std::getenv("STOCKADE_API_KEY")) options.key = env;
  if (options.url.empty()) options.url = kDefaultUrl;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--echo") {
      options.echo = true;
    } else if (arg == "--url" || arg == "--key" || arg == "--session" || arg == "--language" || IsLimitFlag(arg)) {
      if (i + 1 >= argc) return Usage(arg + " needs a value");
      const std::string v = argv[++i];
      if (arg == "--url") {
        options.url = v;
      } else if (arg == "--key") {
        options.key = v;
      } else if (arg == "--session") {
        if (v.empty()) return Usage("--session needs an id");
        options.session = v;
      } else if (arg == "--language") {
        if (!policy::ParseLanguage(v)) return Usage("bad --language " + v);
        options.base.set_language(v);
      } else {
        std::string error;
        ApplyLimitFlag(arg, v, options.base.mutable_limits(), &error);
        if (!error.empty()) return Usage(error);
        if (arg == "--timeout") options.timeout_ms = options.base.limits().timeout_ms();
      }
    } else {
      return Usage("unknown argument " + arg);
    }
  }
  if (options.url.rfind("http://", 0) != 0 && options.url.rfind("unix:/", 0) != 0) {
    return Usage("bad --url " + options.url + " (expected http://HOST:PORT or unix:/PATH)");
  }

  InstallReplSignalHandlers();
  auto client = ApiClient::Connect(options.url, options.key);
  if (!client.ok()) {
    WriteAll(STDERR_FILENO, "stockade repl: " + client.error.message +
                                " (is `stockade serve` running there? --url or $STOCKADE_URL say where)\n");
    return policy::ExitCodeFor(client.error.status);
  }
  Repl repl(std::move(*client), options, ::isatty(STDIN_FILENO) == 1);
  if (std::optional<int> failed = repl.Start()) return *failed;
  repl.Loop();
  return 0;
}

}  // namespace stockade::supervisor
