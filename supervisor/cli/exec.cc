#include "supervisor/cli/exec.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "policy/lowering.h"
#include "policy/outcome.h"
#include "proto/api.pb.h"
#include "supervisor/cli/api_client.h"
#include "supervisor/cli/flags.h"
#include "supervisor/cli/output.h"

namespace stockade::supervisor {
namespace {

constexpr char kUsage[] =
    "usage: stockade exec --url URL [options] FILE|-\n"
    "  Runs a JavaScript or TypeScript file (or stdin) on a running `stockade serve` and prints\n"
    "  its result,\n"
    "  like `stockade run` (same output, same exit codes).\n"
    "options:\n"
    "  --url URL         the daemon: http://HOST:PORT or unix:/PATH\n"
    "  --key K           API key (default: $STOCKADE_API_KEY)\n"
    "  --timeout T       per-run timeout, e.g. 500ms, 2s (clamped to the daemon's policy)\n"
    "  --memory M        interpreter heap, e.g. 64M (clamped to the daemon's policy)\n"
    "  --output M        console output kept, e.g. 1M (clamped to the daemon's policy)\n"
    "  --language L      javascript|typescript (default: by the file's extension)\n"
    "  --json            print the whole typed result as JSON\n";

// How long the event stream may stay silent before we give up on the
// daemon: a script may legitimately print nothing until its deadline, so
// this is the run's own timeout plus slack (or generous without one).
constexpr std::chrono::milliseconds kStreamSlack{60'000};
constexpr std::chrono::milliseconds kStreamIdleDefault{600'000};

int Usage(const std::string& error) {
  if (!error.empty()) std::fprintf(stderr, "stockade exec: %s\n", error.c_str());
  std::fputs(kUsage, stderr);
  return 2;
}

// Ctrl-C while a run is in flight: ask the daemon to cancel it (on a
// connection of its own; the main one is busy streaming). The stream then
// delivers the CANCELLED result, printed like any other. Signals are
// blocked in every thread and taken here synchronously, as in `run`.
class Canceller {
 public:
  Canceller(std::string url, HttpHeaders auth) : url_(std::move(url)), auth_(std::move(auth)) {
    sigset_t set = Signals();
    thread_ = std::thread([this, set] {
      int sig = 0;
      while (sigwait(&set, &sig) == 0 && sig != SIGUSR2) {
        std::string id;
        {
          std::lock_guard<std::mutex> lock(mu_);
          // A second signal, or one before the daemon named the run: stop
          // now. A run submitted without us is still bounded by its limits.
          if (requested_ || id_.empty()) _exit(policy::ExitCodeFor(api::CANCELLED));
          requested_ = true;
          id = id_;
        }
        Cancel(id);
      }
    });
  }
  ~Canceller() {
    pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
  }

  static sigset_t Signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR2);  // internal: stop the canceller
    return set;
  }

  void SetExecution(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    id_ = id;
  }

 private:
  void Cancel(const std::string& id) {
    if (std::optional<ApiError> failed = CancelExecution(url_, auth_, id)) {
      WriteAll(STDERR_FILENO, "stockade exec: could not cancel " + id + " on the daemon: " + failed->message + "\n");
      _exit(policy::ExitCodeFor(api::CANCELLED));
    }
  }

  std::string url_;
  HttpHeaders auth_;
  std::mutex mu_;
  std::string id_;
  bool requested_ = false;
  std::thread thread_;
};

}  // namespace

int ExecCommand(int argc, char** argv) {
  std::string url, file, key;
  if (const char* env = std::getenv("STOCKADE_API_KEY")) key = env;
  bool json = false;
  std::uint32_t timeout_ms = 0;
  api::CreateExecutionRequest request;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      json = true;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--url" || arg == "--key" || arg == "--language" || IsLimitFlag(arg)) {
      if (i + 1 >= argc) return Usage(arg + " needs a value");
      const std::string v = argv[++i];
      if (arg == "--language") {
        if (!policy::ParseLanguage(v)) return Usage("bad --language " + v);
        request.set_language(v);
      } else if (arg == "--url") {
        url = v;
      } else if (arg == "--key") {
        key = v;
      } else {
        std::string error;
        ApplyLimitFlag(arg, v, request.mutable_limits(), &error);
        if (!error.empty()) return Usage(error);
        if (arg == "--timeout") timeout_ms = request.limits().timeout_ms();
      }
    } else if (arg.size() > 1 && arg[0] == '-') {
      return Usage("unknown option " + arg);
    } else if (file.empty()) {
      file = arg;
    } else {
      return Usage("only one script at a time");
    }
  }
  if (url.empty()) return Usage("no --url given (e.g. --url http://127.0.0.1:8080 or --url unix:/run/stockade.sock)");
  if (url.rfind("http://", 0) != 0 && url.rfind("unix:/", 0) != 0) {
    return Usage("bad --url " + url + " (expected http://HOST:PORT or unix:/PATH)");
  }
  if (file.empty()) return Usage("no script given");

  auto code = ReadScript(file);
  if (!code.ok()) {
    std::fprintf(stderr, "stockade exec: %s\n", code.status().message().c_str());
    return 2;
  }
  request.set_code(std::move(code).value());
  request.set_filename(file == "-" ? "stdin" : file.substr(file.rfind('/') + 1));
  if (request.language().empty()) {
    request.set_language(std::string(policy::LanguageName(policy::LanguageForFilename(file))));
  }
  HttpHeaders auth;
  if (!key.empty()) auth.emplace_back("Authorization", "Bearer " + key);

  // Block before any thread starts so every thread inherits the mask and
  // only the canceller takes these signals.
  const sigset_t signals = Canceller::Signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Canceller canceller(url, auth);

  auto client = ApiClient::Connect(url, key);
  if (!client.ok()) return PrintResult(client.error.AsResult(), json);
  ExecuteCallbacks callbacks;
  callbacks.on_submitted = [&](const std::string& id) { canceller.SetExecution(id); };
  callbacks.on_console = [&](const api::ConsoleLine& line) {
    if (!json) PrintConsoleLine(line);  // with --json they are in the result
  };
  const auto idle = timeout_ms > 0 ? std::chrono::milliseconds(timeout_ms) + kStreamSlack : kStreamIdleDefault;
  auto result = client->Execute(std::move(request), callbacks, idle);
  return PrintResult(result.ok() ? *result : result.error.AsResult(), json);
}

}  // namespace stockade::supervisor
