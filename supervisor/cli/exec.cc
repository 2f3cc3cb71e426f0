#include "supervisor/cli/exec.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include <google/protobuf/util/json_util.h>

#include "policy/lowering.h"
#include "policy/outcome.h"
#include "proto/api.pb.h"
#include "supervisor/cli/flags.h"
#include "supervisor/cli/output.h"
#include "supervisor/cli/http_client.h"

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

// A failure that is not the script's: printed and coded like a result with
// that status, so scripts driving the CLI see one vocabulary.
int PrintFailure(api::Status status, const std::string& detail, bool json, std::uint32_t retry_after_ms = 0) {
  api::ExecutionResult r;
  r.set_status(status);
  r.set_detail(detail);
  r.set_retry_after_ms(retry_after_ms);
  return PrintResult(r, json);
}

// A non-2xx answer: the daemon's ErrorResponse says which status; the HTTP
// code is the fallback when the body is not one (a proxy in between).
int PrintHttpError(const HttpClientResponse& res, bool json) {
  api::ErrorResponse err;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  const bool parsed = google::protobuf::util::JsonStringToMessage(res.body, &err, opts).ok() &&
                      err.status() != api::STATUS_UNSPECIFIED;
  if (!parsed) {
    switch (res.status) {
      case 400: case 404: case 405: case 408: case 413: err.set_status(api::INVALID_REQUEST); break;
      case 401: case 403: err.set_status(api::UNAUTHORIZED); break;
      case 429: err.set_status(api::QUEUE_FULL); break;
      default: err.set_status(api::INTERNAL); break;
    }
    err.set_message("HTTP " + std::to_string(res.status) + " from the daemon");
  }
  std::uint32_t retry_ms = err.retry_after_ms();
  if (retry_ms == 0) {
    const std::string retry_after = res.header("Retry-After");
    if (!retry_after.empty()) retry_ms = static_cast<std::uint32_t>(std::strtoul(retry_after.c_str(), nullptr, 10) * 1000);
  }
  std::string detail = err.message();
  if (retry_ms > 0) detail += " (retry after " + std::to_string(retry_ms) + " ms)";
  return PrintFailure(err.status(), detail, json, retry_ms);
}

int Unreachable(const Status& st, bool json) {
  return PrintFailure(api::INTERNAL, "cannot talk to the daemon: " + st.message(), json);
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
    auto client = HttpClient::Connect(url_);
    StatusOr<HttpClientResponse> res = client.ok() ? client->Request("DELETE", "/v1/executions/" + id, {}, auth_)
                                                   : StatusOr<HttpClientResponse>(client.status());
    if (!res.ok() || res->status != 200) {
      const std::string why = res.ok() ? "HTTP " + std::to_string(res->status) : res.status().message();
      WriteAll(STDERR_FILENO, "stockade exec: could not cancel " + id + " on the daemon: " + why + "\n");
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
  request.set_wait(false);  // answer at once; the events carry the rest
  std::string body;
  (void)google::protobuf::util::MessageToJsonString(request, &body);

  HttpHeaders auth;
  if (!key.empty()) auth.emplace_back("Authorization", "Bearer " + key);

  // Block before any thread starts so every thread inherits the mask and
  // only the canceller takes these signals.
  const sigset_t signals = Canceller::Signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Canceller canceller(url, auth);

  auto client = HttpClient::Connect(url);
  if (!client.ok()) return Unreachable(client.status(), json);
  auto created = client->Request("POST", "/v1/executions", body, auth);
  if (!created.ok()) return Unreachable(created.status(), json);
  if (created->status != 200 && created->status != 202) return PrintHttpError(*created, json);
  api::Execution execution;
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = true;  // a newer daemon may say more
  if (!google::protobuf::util::JsonStringToMessage(created->body, &execution, parse).ok() ||
      execution.id().empty()) {
    return PrintFailure(api::INTERNAL, "the daemon's answer is not an Execution: " + created->body, json);
  }
  canceller.SetExecution(execution.id());
  if (execution.state() == api::DONE) return PrintResult(execution.result(), json);

  api::ExecutionResult result;
  bool have_result = false;
  const auto idle = timeout_ms > 0 ? std::chrono::milliseconds(timeout_ms) + kStreamSlack : kStreamIdleDefault;
  auto streamed = client->Stream(
      "/v1/executions/" + execution.id() + "/events", auth,
      [&](const SseEvent& event) {
        if (event.event == "console") {
          api::ConsoleLine line;
          if (!json && google::protobuf::util::JsonStringToMessage(event.data, &line, parse).ok()) {
            PrintConsoleLine(line);
          }
        } else if (event.event == "result") {
          have_result = google::protobuf::util::JsonStringToMessage(event.data, &result, parse).ok();
          return false;  // nothing follows the result
        }
        return true;
      },
      idle);
  if (!have_result) {
    if (streamed.ok() && streamed->status != 200) return PrintHttpError(*streamed, json);
    // The stream broke before the result (a proxy, a restart): the record
    // may still hold it.
    auto polled = client->Request("GET", "/v1/executions/" + execution.id(), {}, auth);
    if (polled.ok() && polled->status == 200 &&
        google::protobuf::util::JsonStringToMessage(polled->body, &execution, parse).ok() &&
        execution.state() == api::DONE) {
      return PrintResult(execution.result(), json);
    }
    if (!streamed.ok()) return Unreachable(streamed.status(), json);
    return PrintFailure(api::INTERNAL, "the daemon ended the event stream of " + execution.id() +
                                           " without a result", json);
  }
  return PrintResult(result, json);
}

}  // namespace stockade::supervisor
